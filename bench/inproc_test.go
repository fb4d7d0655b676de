package bench

import (
	"context"
	"testing"
	"time"

	"github.com/kmslab/kmslab/conformance/sandboxproc"
	"github.com/kmslab/kmslab/sandbox"
)

// startInProc serves the sandbox from this process (no exec, no pipes): the same load, with
// the client and the server sharing one process, to tell the server's cost from the OS's.
func startInProc(b *testing.B) target {
	b.Helper()
	sb, err := sandbox.Open(sandbox.Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatalf("open sandbox: %v", err)
	}
	url, err := sb.Listen("127.0.0.1:0")
	if err != nil {
		_ = sb.Close()
		b.Fatalf("serve sandbox: %v", err)
	}
	b.Cleanup(func() {
		if err := sb.Close(); err != nil {
			b.Errorf("close sandbox: %v", err)
		}
	})
	id, secret := sb.Admin()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t := kmslabTable(ctx, b, sandboxproc.Exports{AccessKeyID: id, SecretAccessKey: secret, Region: sb.Region(), EndpointURL: url})
	t.name, t.note = "in-proc", "kmslab in this process (sandbox.Open), KMS-encrypted table"
	return t
}
