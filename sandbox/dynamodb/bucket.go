package dynamodb

import bolt "go.etcd.io/bbolt"

// bucket is a bbolt bucket (the store package hands them out).
type bucket = bolt.Bucket
