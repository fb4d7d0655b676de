package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"charm.land/log/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"

	"github.com/kmslab/kmslab/sandbox"
	"github.com/kmslab/kmslab/sandbox/datadir"
	"github.com/kmslab/kmslab/sandbox/gateway"
	"github.com/kmslab/kmslab/target"
)

type sandboxFlags struct {
	listen  string
	dataDir string
	region  string
	faults  string
	quiet   bool

	realistic bool
	timeScale float64
	delays    string

	class    int
	classSet bool // --class was given, even as 0
}

func newSandboxCmd() *cobra.Command {
	var f sandboxFlags
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Serve the built-in AWS sandbox (KMS, DynamoDB, IAM, STS) for the AWS CLI and SDKs",
		Long: "Serve the sandbox on loopback. It prints shell lines for the admin on stdout:\n" +
			"paste them into another shell (or eval them) and use the AWS CLI, boto3 or any SDK.\n" +
			"State is kept in the data directory and survives restarts.",
		Example: "  kmslab sandbox\n  eval \"$(kmslab sandbox --listen 127.0.0.1:0 &)\"\n  kmslab sandbox --faults throttle=0.1,latency=50ms\n" +
			"  kmslab sandbox --realistic --time-scale 10 --delays access-key=10s,table-key-cache=5m",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.classSet = cmd.Flags().Changed("class")
			return runSandbox(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&f.listen, "listen", "127.0.0.1:4566", "address to serve on (loopback unless you say otherwise)")
	cmd.Flags().StringVar(&f.dataDir, "data-dir", "", "where the sandbox keeps its state (default: $XDG_DATA_HOME/kmslab/sandbox, or .../kmslab/class with --class)")
	cmd.Flags().StringVar(&f.region, "region", sandbox.DefaultRegion, "region printed for clients (the sandbox answers in any region)")
	cmd.Flags().StringVar(&f.faults, "faults", "", "inject faults, e.g. throttle=0.1,error=0.05,latency=50ms")
	cmd.Flags().BoolVar(&f.quiet, "quiet", false, "do not log each request on stderr")
	cmd.Flags().BoolVar(&f.realistic, "realistic", false, "wait the way AWS does: new access keys and users, key-policy changes, DynamoDB's table-key cache")
	cmd.Flags().Float64Var(&f.timeScale, "time-scale", 1, "with --realistic: speed time up (10 divides every delay by ten)")
	cmd.Flags().StringVar(&f.delays, "delays", "", "with --realistic: access-key=10s,principal=8s,key-policy=5s,table-key-cache=5m (0 turns one off)")
	cmd.Flags().IntVar(&f.class, "class", 0, "serve a classroom: this many isolated accounts (1-200), one per student, credentials written to the data directory")
	return cmd
}

func runSandbox(ctx context.Context, f sandboxFlags, stdout, stderr io.Writer) error {
	logger := log.NewWithOptions(stderr, log.Options{ReportTimestamp: true, TimeFormat: "15:04:05.000", Prefix: "sandbox"})
	if os.Getenv("NO_COLOR") != "" {
		logger.SetColorProfile(colorprofile.NoTTY) // no escape codes at all, not even bold
	}
	host, _, err := net.SplitHostPort(f.listen)
	if err != nil {
		return usageError("--listen %q: want host:port, like 127.0.0.1:4566", f.listen)
	}
	if host == "" {
		return usageError("--listen %q has no host: say 127.0.0.1:%s for this machine only, or 0.0.0.0 to serve the network", f.listen, strings.TrimPrefix(f.listen, ":"))
	}
	faults, err := gateway.ParseFaults(f.faults)
	if err != nil {
		return usageError("--faults: %v", err)
	}
	if err := validRegion(f.region); err != nil {
		return usageError("--region: %v", err)
	}
	realism, err := realismFlags(f)
	if err != nil {
		return err
	}
	if f.classSet {
		if f.class < 1 || f.class > sandbox.MaxStudents {
			return usageError("--class %d: want 1 to %d students", f.class, sandbox.MaxStudents)
		}
		return runClassSandbox(ctx, f, faults, realism, host, stdout, logger)
	}
	if !isLoopback(host) {
		return usageError("--listen %s serves beyond this machine, which only the classroom sandbox does: add --class N, or listen on 127.0.0.1", f.listen)
	}
	dir := f.dataDir
	if dir == "" {
		if dir, err = datadir.Default(); err != nil {
			return err
		}
	}
	opts := sandbox.Options{DataDir: dir, Region: f.region, Faults: faults, Realism: realism}
	if !f.quiet {
		opts.Log = func(e gateway.Entry) { logRequest(logger, e) }
	}
	sb, err := sandbox.Open(opts)
	if errors.Is(err, sandbox.ErrLocked) {
		if realism.Enabled {
			logger.Warn("--realistic does not apply: the sandbox already serving this data directory keeps its own mode")
		}
		return useRunning(ctx, dir, stdout, logger)
	}
	if err != nil {
		return err
	}
	url, err := sb.Listen(f.listen)
	if err != nil {
		_ = sb.Close()
		return err
	}
	id, secret := sb.Admin()
	printExports(stdout, id, secret, f.region, url)
	state := "existing"
	if sb.Bootstrapped {
		state = "new"
	}
	ready := []any{"url", url, "data", dir, "state", state, "account", sb.AccountID(), "admin", target.MaskKeyID(id)}
	if realism.Enabled {
		r := sb.Realism()
		ready = append(ready, "mode", "realistic", "time-scale", r.Scale, "delays", r.String())
	}
	logger.Info("ready", ready...)
	if faults.Active() {
		logger.Warn("fault injection on", "throttle", faults.Throttle, "error", faults.Errors, "latency", faults.Latency)
	}
	<-ctx.Done()
	logger.Info("stopping")
	if err := sb.Close(); err != nil {
		return fmt.Errorf("stop the sandbox: %w", err)
	}
	return nil
}

// realismFlags reads --realistic, --time-scale and --delays.
func realismFlags(f sandboxFlags) (sandbox.Realism, error) {
	if !f.realistic {
		if f.delays != "" || f.timeScale != 1 {
			return sandbox.Realism{}, usageError("--time-scale and --delays take effect only with --realistic")
		}
		return sandbox.Realism{}, nil
	}
	if math.IsNaN(f.timeScale) || f.timeScale < 0.01 || f.timeScale > 1000 {
		return sandbox.Realism{}, usageError("--time-scale %v: want a number from 0.01 to 1000 (1 is real time, 10 is ten times faster)", f.timeScale)
	}
	r, err := sandbox.ParseDelays(f.delays)
	if err != nil {
		return sandbox.Realism{}, usageError("--delays: %v", err)
	}
	r.Scale = f.timeScale
	return r, nil
}

// useRunning points the caller at the sandbox another process already serves from dir.
func useRunning(ctx context.Context, dir string, stdout io.Writer, logger *log.Logger) error {
	ep, err := datadir.ReadEndpoint(dir)
	if err == nil && alive(ctx, ep.URL) {
		logger.Info("a sandbox is already running on this data directory; using it", "url", ep.URL, "pid", ep.PID)
		printExports(stdout, ep.AccessKeyID, ep.SecretAccessKey, ep.Region, ep.URL)
		return nil
	}
	return fmt.Errorf("the data directory %s is in use by another kmslab process that is not serving yet; wait a moment or pass another --data-dir", dir)
}

func alive(ctx context.Context, url string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/_kmslab/health", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// printExports writes the admin's shell lines. AWS_DEFAULT_REGION is there too because the
// AWS CLI v1 and boto3 read only that one.
func printExports(w io.Writer, id, secret, region, url string) {
	fmt.Fprintf(w, "export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\nexport AWS_REGION=%s\nexport AWS_DEFAULT_REGION=%s\nexport AWS_ENDPOINT_URL=%s\n",
		id, secret, region, region, url)
}

func logRequest(l *log.Logger, e gateway.Entry) {
	outcome := "OK"
	if e.Code != "" {
		outcome = e.Code
	}
	kv := []any{"who", e.Who, "outcome", outcome, "ms", fmt.Sprintf("%.1f", float64(e.Duration.Microseconds())/1000)}
	op := e.Service + "." + e.Operation
	switch {
	case e.Status >= 500:
		l.Error(op, kv...)
	case e.Status >= 400:
		l.Warn(op, kv...)
	default:
		l.Info(op, kv...)
	}
}

// isLoopback is true for a host that only this machine reaches.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func validRegion(r string) error {
	if len(r) < 4 || len(r) > 32 {
		return fmt.Errorf("%q is not a region name (like us-east-1)", r)
	}
	for _, c := range r {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("%q is not a region name (like us-east-1)", r)
		}
	}
	return nil
}
