package bench

import (
	"context"
	"testing"
	"time"

	"github.com/kmslab/kmslab/conformance/sandboxproc"
	"github.com/kmslab/kmslab/sandbox"
)

// startInProc serves the sandbox from this process over loopback, as kmslab embeds it:
// `kmslab` and `kmslab run` open the sandbox in the process whose SDK clients drive the lab.
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
	t.name, t.note = "kmslab-embedded", "sandbox.Open in the clients' process, as kmslab runs it; KMS-encrypted table, SigV4 verified"
	return t
}
