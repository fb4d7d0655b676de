package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"

	"github.com/kmslab/kmslab/progress"
	"github.com/kmslab/kmslab/sandbox"
	"github.com/kmslab/kmslab/sandbox/datadir"
	"github.com/kmslab/kmslab/target"
)

func newResetCmd() *cobra.Command {
	var f labFlags
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Forget your progress, and on the built-in sandbox start over with a fresh account",
		Long: "On the built-in sandbox, reset wipes its state (keys, tables, users) and your progress there:\n" +
			"the next command starts a brand-new sandbox account. On LocalStack or AWS it only forgets\n" +
			"your progress; use `kmslab cleanup` to delete what the lab made there.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := newPrinter(cmd.OutOrStdout(), cmd.ErrOrStderr())
			o, err := f.options()
			if err != nil {
				return err
			}
			dir, err := progress.DefaultDir(nil)
			if err != nil {
				return err
			}
			store := progress.NewStore(dir)
			if o.Kind == "" && o.Endpoint == "" && o.Profile == "" || o.Kind == target.Sandbox && o.Endpoint == "" {
				return resetSandbox(out, store, o.DataDir, dryRun)
			}
			s, err := f.open(cmd.Context(), out, false)
			if err != nil {
				return err
			}
			defer s.close()
			if dryRun {
				out.line("Would forget your progress in " + store.Path(s.key()) + "; nothing on the target would be touched.")
				return nil
			}
			if err := store.Remove(s.key()); err != nil {
				return err
			}
			out.line(fmt.Sprintf("Forgot your progress on %s (account %s, %s, prefix %s). Nothing on the target was touched: `kmslab cleanup` removes what the lab made.", s.t.Label, s.t.Account, s.t.Region, s.prefix))
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "say what reset would wipe, and wipe nothing")
	return cmd
}

// resetSandbox wipes the sandbox's state, unless another process is serving it.
func resetSandbox(out *printer, store *progress.Store, dir string, dryRun bool) error {
	if dir == "" {
		var err error
		if dir, err = datadir.Default(); err != nil {
			return err
		}
	}
	if dryRun {
		out.line("Would wipe the sandbox state in " + filepath.Join(dir, "state") + " and forget your sandbox progress in " + filepath.Dir(store.Path(progress.Key{})) + ".")
		return nil
	}
	stateDir := filepath.Join(dir, "state")
	if _, err := os.Stat(stateDir); err == nil {
		sb, err := sandbox.Open(sandbox.Options{DataDir: dir})
		if errors.Is(err, sandbox.ErrLocked) {
			pid := ""
			if ep, e := datadir.ReadEndpoint(dir); e == nil {
				pid = fmt.Sprintf(" (pid %d, %s)", ep.PID, ep.URL)
			}
			return fmt.Errorf("another kmslab is using the sandbox%s: stop it first, then run reset again", pid)
		}
		if err == nil {
			// Opened only to prove nobody else holds it; closed before deleting.
			if err := sb.Close(); err != nil {
				return err
			}
		}
		if err := os.RemoveAll(stateDir); err != nil {
			return fmt.Errorf("wipe the sandbox state: %w", err)
		}
	}
	_ = datadir.RemoveEndpoint(dir)
	keys, err := store.List()
	if err != nil {
		return err
	}
	n := 0
	for _, k := range keys {
		if k.Target == string(target.Sandbox) {
			if err := store.Remove(k); err != nil {
				return err
			}
			n++
		}
	}
	out.line(fmt.Sprintf("The sandbox starts afresh (state in %s wiped; %d progress file(s) forgotten).", dir, n))
	return nil
}

func newDoctorCmd() *cobra.Command {
	var f labFlags
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check credentials, region, endpoint, key-policy enforcement and the terminal",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := newPrinter(cmd.OutOrStdout(), cmd.ErrOrStderr())
			return doctor(cmd.Context(), &f, out)
		},
	}
	f.add(cmd)
	return cmd
}

func doctor(ctx context.Context, f *labFlags, out *printer) error {
	row := func(k, v string) { out.line(fmt.Sprintf("  %-13s %s", k, v)) }
	out.header("kmslab doctor")
	term := "no (plain output)"
	if stdoutIsTerminal() {
		term = "yes"
	}
	prof := colorprofile.Detect(os.Stdout, os.Environ())
	colour := prof.String()
	if os.Getenv("NO_COLOR") != "" {
		colour = "none (NO_COLOR is set)"
	}
	row("terminal", "stdout is a terminal: "+term+" · colour: "+colour)
	if dir, err := progress.DefaultDir(nil); err == nil {
		row("progress", dir)
	} else {
		row("progress", "problem: "+err.Error())
	}
	t0 := time.Now()
	s, err := f.open(ctx, out, false)
	if err != nil {
		row("target", "problem: "+err.Error())
		return err
	}
	defer s.close()
	t := s.t
	where := t.Label
	if t.Endpoint != "" {
		where += " · " + t.Endpoint
	}
	row("target", where+fmt.Sprintf(" (connected in %s)", ms(time.Since(t0))))
	creds, err := t.Admin.Credentials.Retrieve(ctx)
	if err == nil {
		row("credentials", fmt.Sprintf("ok · %s · access key %s (from %s)", t.CallerARN, target.MaskKeyID(creds.AccessKeyID), creds.Source))
	}
	row("account", t.Account)
	row("region", t.Region)
	t1 := time.Now()
	if _, err := sts.NewFromConfig(t.Admin).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		row("endpoint", "problem: "+err.Error())
		return errFailed
	}
	row("endpoint", "answers (sts GetCallerIdentity in "+ms(time.Since(t1))+")")
	row("key policies", t.Enforces.String()+": "+t.EnforcementReason)
	if t.Enforces == target.DoesNotEnforce {
		row("", "the deny step will be reported as cannot-demonstrate here, with what AWS would decide")
	}
	return nil
}

func stdoutIsTerminal() bool {
	fi, err := os.Stdout.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
