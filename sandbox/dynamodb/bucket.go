package dynamodb

import "github.com/kmslab/kmslab/sandbox/store"

// bucket is a store bucket (the store package hands them out).
type bucket = store.Node
