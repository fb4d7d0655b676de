// Package bench measures the sandbox side by side with dynalite and moto (DynamoDB put/get
// throughput and latency) and times `kmslab sandbox` from exec to its first answer.
// It holds benchmarks only: run them with `make bench`
// (go test -run '^$' -bench . -benchtime 1x ./bench/).
package bench
