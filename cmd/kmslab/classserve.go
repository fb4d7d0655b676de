package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"text/tabwriter"

	"charm.land/log/v2"

	"github.com/kmslab/kmslab/sandbox"
	"github.com/kmslab/kmslab/sandbox/datadir"
	"github.com/kmslab/kmslab/sandbox/gateway"
)

// classDataDir is --data-dir, else a "class" directory beside the single sandbox's, so a
// class never opens (or hands out) the instructor's own sandbox.
func classDataDir(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	dir, err := datadir.Default()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(dir), "class"), nil
}

// runClassSandbox serves `kmslab sandbox --class N`: one account per student, their
// credentials as a table on stdout and as files in the data directory.
func runClassSandbox(ctx context.Context, f sandboxFlags, faults gateway.Faults, realism sandbox.Realism, host string, stdout io.Writer, logger *log.Logger) error {
	dir, err := classDataDir(f.dataDir)
	if err != nil {
		return err
	}
	opts := sandbox.ClassOptions{DataDir: dir, Students: f.class, Region: f.region, Faults: faults, Realism: realism}
	if !f.quiet {
		opts.Log = func(acct string, e gateway.Entry) {
			e.Who = acct + "/" + e.Who
			logRequest(logger, e)
		}
	}
	c, err := sandbox.OpenClass(opts)
	if errors.Is(err, sandbox.ErrLocked) {
		return fmt.Errorf("another kmslab process serves the class in %s: stop it first, or pass another --data-dir", dir)
	}
	if err != nil {
		return err
	}
	if !isLoopback(host) {
		logger.Warn("serving beyond this machine: anyone who can reach " + f.listen + " can call the sandbox; each account still needs its own keys, and the traffic is plain HTTP")
	}
	url, err := c.Listen(f.listen)
	if err != nil {
		_ = c.Close()
		return err
	}
	endpoint := studentEndpoint(url)
	csvPath, envPath, err := c.WriteFiles(endpoint)
	if err != nil {
		_ = c.Close()
		return err
	}
	printClassTable(stdout, c, endpoint)
	logger.Info("class ready", "url", url, "students", f.class, "data", dir)
	logger.Info("credentials for the students (keep them private, mode 0600)", "csv", csvPath, "env", envPath)
	logger.Info("each student pastes their section of the env file, then runs: kmslab --endpoint " + endpoint)
	if faults.Active() {
		logger.Warn("fault injection on", "throttle", faults.Throttle, "error", faults.Errors, "latency", faults.Latency)
	}
	<-ctx.Done()
	logger.Info("stopping")
	if err := c.Close(); err != nil {
		return fmt.Errorf("stop the class sandbox: %w", err)
	}
	return nil
}

// studentEndpoint is the URL students use: a wildcard address (0.0.0.0, ::) becomes this
// machine's name, since a client cannot dial the wildcard from another machine.
func studentEndpoint(url string) string {
	hostPort := url[len("http://"):]
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		return url
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if name, err := os.Hostname(); err == nil && name != "" {
			return "http://" + net.JoinHostPort(name, port)
		}
	}
	return url
}

func printClassTable(w io.Writer, c *sandbox.Class, endpoint string) {
	fmt.Fprintf(w, "kmslab classroom sandbox at %s (region %s)\n\n", endpoint, c.Region())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STUDENT\tACCOUNT\tACCESS KEY ID\tSECRET ACCESS KEY")
	for i, sb := range c.Accounts() {
		id, secret := sb.Admin()
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", i+1, sb.AccountID(), id, secret)
	}
	_ = tw.Flush()
}
