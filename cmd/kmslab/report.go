package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/kmslab/kmslab/report"
	"github.com/kmslab/kmslab/steps"
)

func newReportCmd() *cobra.Command {
	var f labFlags
	var outFile string
	var force bool
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write a markdown lab report: steps with times and ARNs, the denial, the policy diff, quiz scores",
		Long: "report writes the lab report a teacher can accept as evidence: each step with its status,\n" +
			"when you completed it and the ARNs involved, the denial you met, the key-policy change, your\n" +
			"quiz scores and a check of the live state made as the report is written. It holds no secrets.",
		Example: "  kmslab report\n  kmslab report --out lab-report.md",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if outFile != "" && !force {
				if _, err := os.Lstat(outFile); err == nil {
					return usageError("%s exists: choose another --out, or add --force to replace it", outFile)
				}
			}
			out := newPrinter(cmd.OutOrStdout(), cmd.ErrOrStderr())
			s, err := f.open(cmd.Context(), out, false)
			if err != nil {
				return err
			}
			defer s.close()
			d, err := reportData(cmd.Context(), s, time.Now().UTC())
			if err != nil {
				return err
			}
			md := report.Markdown(d)
			if outFile == "" {
				_, err := fmt.Fprint(cmd.OutOrStdout(), md)
				return err
			}
			if err := writeReport(outFile, md, force); err != nil {
				return err
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "Report written to "+outFile+".")
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&outFile, "out", "", "write the report to this file (mode 0600) instead of stdout")
	cmd.Flags().BoolVar(&force, "force", false, "replace the --out file if it exists")
	return cmd
}

// reportData checks every step live, records the verdicts as `check` does, and gathers the
// report's facts from the progress file.
func reportData(ctx context.Context, s *session, now time.Time) (report.Data, error) {
	d := report.Data{Target: string(s.t.Kind), Label: s.t.Label, Account: s.t.Account, Region: s.t.Region,
		Prefix: s.prefix, Generated: now, Version: version}
	d.Live.At = now
	for _, st := range steps.All() {
		v, err := st.Check(ctx, s.lab)
		if err != nil {
			if ctx.Err() != nil {
				return d, ctx.Err()
			}
			return d, fmt.Errorf("check %s: %w", st.ID, err)
		}
		s.record(st.ID, v, false)
		d.Live.Total++
		if v.Passed() {
			d.Live.Passed++
		} else {
			d.Live.NotPassedSteps = append(d.Live.NotPassedSteps, st.ID)
		}
		rs := report.Step{ID: st.ID, Title: st.Title, Status: string(v.Status), Cause: v.Cause, ARNs: report.EvidenceARNs(v.Evidence)}
		if ps := s.file.Steps[st.ID]; ps != nil {
			rs.CompletedAt = ps.CompletedAt
		}
		d.Steps = append(d.Steps, rs)
	}
	d.Live.Complete = d.Live.Passed == d.Live.Total
	s.save()
	notes := s.lab.Notes()
	d.DenialCode, d.DenialMessage, d.DenialAt = notes[steps.NoteDenialCode], notes[steps.NoteDenialMessage], notes[steps.NoteDenialAt]
	d.PolicyBefore, d.PolicyAfter = notes[steps.NotePolicyBefore], notes[steps.NotePolicyAfter]
	for _, id := range steps.IDs() {
		if sc := notes[NoteQuizPrefix+id]; sc != "" {
			d.Quiz = append(d.Quiz, report.Score{Step: id, Score: sc})
		}
	}
	return d, nil
}

// writeReport writes the file 0600; without force it never replaces an existing file, even
// one that appeared since the first look.
func writeReport(path, md string, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	fh, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return usageError("%s exists: choose another --out, or add --force to replace it", path)
	}
	if err != nil {
		return err
	}
	if force {
		// A replaced file keeps its old mode through O_TRUNC; the report is private.
		if err := fh.Chmod(0o600); err != nil {
			_ = fh.Close()
			return err
		}
	}
	if _, err := fh.WriteString(md); err != nil {
		_ = fh.Close()
		return err
	}
	return fh.Close()
}
