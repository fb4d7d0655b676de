package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kmslab/kmslab/progress"
	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

// labFlags are the flags every lab command shares.
type labFlags struct {
	target   string
	endpoint string
	profile  string
	region   string
	prefix   string
	dataDir  string
	yes      bool
	// allowProd lets the lab change an account whose alias looks like production.
	allowProd bool
}

func (f *labFlags) add(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.target, "target", "", "where the lab runs: sandbox (built in, the default), localstack or aws")
	fs.StringVar(&f.endpoint, "endpoint", "", "endpoint URL of LocalStack or another emulator (default http://localhost:4566 or $AWS_ENDPOINT_URL)")
	fs.StringVar(&f.profile, "profile", "", "AWS profile to use (implies --target aws)")
	fs.StringVar(&f.region, "region", "", "AWS region (default: from the environment or profile; us-east-1 on emulators)")
	fs.StringVar(&f.prefix, "prefix", steps.DefaultPrefix, "prefix of the lab's names: alias/PREFIX-kms-key, PREFIX-kms-table, PREFIX-kms-user")
	fs.StringVar(&f.dataDir, "data-dir", "", "the built-in sandbox's data directory (default: $XDG_DATA_HOME/kmslab/sandbox)")
	fs.BoolVar(&f.yes, "yes", false, "do not ask for confirmation (scripts); on AWS this agrees to create billed resources")
	fs.BoolVar(&f.allowProd, "allow-prod", false, "let the lab change an AWS account whose alias contains \"prod\" (not recommended)")
}

func (f *labFlags) options() (target.Options, error) {
	o := target.Options{Endpoint: f.endpoint, Profile: f.profile, Region: f.region, DataDir: f.dataDir}
	if f.target != "" {
		k, err := target.ParseKind(f.target)
		if err != nil {
			return o, usageError("%v", err)
		}
		o.Kind = k
	}
	if err := steps.ValidPrefix(f.prefix); err != nil {
		return o, usageError("--prefix: %v", err)
	}
	return o, nil
}

// session is an opened target, a lab on it and the student's progress file.
type session struct {
	t     *target.Target
	lab   *steps.Lab
	store *progress.Store
	file  *progress.File
	out   *printer
	// prefix names the lab's resources.
	prefix string
}

// open connects to the target and restores progress. Warnings (a damaged progress file
// moved aside) go to stderr.
func (f *labFlags) open(ctx context.Context, out *printer, emit bool) (*session, error) {
	var fn func(steps.Event)
	if emit {
		fn = out.event
	}
	return f.openWith(ctx, out, fn)
}

// openWith is open with the lab's events going to emit (nil: nowhere).
func (f *labFlags) openWith(ctx context.Context, out *printer, emit func(steps.Event)) (*session, error) {
	o, err := f.options()
	if err != nil {
		return nil, err
	}
	t, err := target.Open(ctx, o)
	if err != nil {
		if errors.Is(err, target.ErrUsage) {
			return nil, usageError("%v", err)
		}
		return nil, err
	}
	s := &session{t: t, out: out, prefix: f.prefix}
	dir, err := progress.DefaultDir(nil)
	if err != nil {
		_ = t.Close()
		return nil, err
	}
	s.store = progress.NewStore(dir)
	s.file, err = s.store.Load(s.key())
	var corrupt *progress.CorruptError
	switch {
	case errors.As(err, &corrupt):
		out.warn(corrupt.Error())
	case err != nil:
		_ = t.Close()
		return nil, err
	}
	lo := steps.Options{Prefix: f.prefix, Notes: s.file.Notes, Emit: emit}
	if s.lab, err = steps.New(t, lo); err != nil {
		_ = t.Close()
		return nil, err
	}
	return s, nil
}

func (s *session) key() progress.Key {
	return progress.Key{Target: string(s.t.Kind), Account: s.t.Account, Region: s.t.Region, Prefix: s.prefix}
}

func (s *session) close() { _ = s.t.Close() }

// record stores a verdict and the lab's notes in the progress file.
func (s *session) record(id string, v steps.Verdict, ran bool) {
	now := time.Now().UTC()
	st := s.file.Steps[id]
	if st == nil {
		st = &progress.Step{}
		s.file.Steps[id] = st
	}
	st.Status, st.Cause, st.Detail, st.Evidence, st.CheckedAt = string(v.Status), v.Cause, v.Detail, v.Evidence, now
	if v.Passed() && st.CompletedAt.IsZero() {
		st.CompletedAt = now
	}
	if !v.Passed() {
		st.CompletedAt = time.Time{}
	}
	if ran {
		st.Runs++
	}
}

func (s *session) save() {
	s.file.Notes = s.lab.Notes()
	if err := s.store.Save(s.file); err != nil {
		s.out.warn("could not save your progress: " + err.Error())
	}
}

// confirmAWS shows what the lab is about to touch on a real account and asks before going
// on; in scripts --yes stands for the answer. An account whose alias looks like production
// is refused unless --allow-prod says otherwise.
func confirmAWS(t *target.Target, f *labFlags, in io.Reader, interactive bool, out *printer, what string) error {
	return confirmOnAWS(t, f, in, interactive, out, what,
		"  cost      a customer managed KMS key costs $1 a month, billed by the hour while it exists;",
		"            clean-up schedules its deletion (7 days), and a key waiting for deletion is not billed.")
}

// confirmOnAWS asks before a command changes a real account: it names the account, the
// caller and the region, then the given lines on what changes or costs.
func confirmOnAWS(t *target.Target, f *labFlags, in io.Reader, interactive bool, out *printer, what string, detail ...string) error {
	if !t.NeedsConfirmation() {
		return nil
	}
	out.line("You are about to " + what + " in a real AWS account:")
	account := t.Account
	if t.AccountAlias != "" {
		account += " (" + t.AccountAlias + ")"
	}
	out.line("  account   " + account)
	out.line("  caller    " + t.CallerARN)
	out.line("  region    " + t.Region)
	for _, l := range detail {
		out.line(l)
	}
	if t.LooksLikeProduction() && !f.allowProd {
		return usageError("the account alias %q looks like production, and the lab creates and deletes resources: use a lab or sandbox account (or pass --allow-prod if you are sure)", t.AccountAlias)
	}
	if f.yes {
		return nil
	}
	if !interactive {
		return usageError("confirmation needed: run again with --yes to agree to the above")
	}
	fmt.Fprint(out.w, "Go on? [y/N] ")
	var answer string
	_, _ = fmt.Fscanln(in, &answer)
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return errors.New("stopped: nothing was changed")
	}
	return nil
}

func stdinIsTerminal() bool {
	fi, err := os.Stdin.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
