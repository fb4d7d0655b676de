package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kmslab/kmslab/content"
	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/tui"
)

// errFailed: the command ran, and its answer is "not done" (exit 1, already explained).
var errFailed = errors.New("not complete")

func newRunCmd() *cobra.Command {
	var f labFlags
	var all, verbose, dryRun bool
	var only string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the lab's steps, printing each AWS call with its AWS CLI equivalent",
		Long: "Run the lab without the full-screen interface: every step by default, or one with --step.\n" +
			"Steps are safe to run again: each makes only what is missing.",
		Example: "  kmslab run --all --yes\n  kmslab run --step deny-user\n  kmslab run --target aws --profile lab --region eu-west-1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if all && only != "" {
				return usageError("give --all or --step, not both")
			}
			var list []steps.Step
			if only != "" {
				s, ok := steps.ByID(only)
				if !ok {
					return usageError("--step %q: choose one of %v (or 1 to 5)", only, steps.IDs())
				}
				list = []steps.Step{s}
			} else {
				list = steps.All()
			}
			out := newPrinter(cmd.OutOrStdout(), cmd.ErrOrStderr())
			out.verbose = verbose
			if dryRun {
				return planSteps(cmd.Context(), &f, out, list)
			}
			return runSteps(cmd.Context(), &f, out, list)
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&all, "all", false, "run every step in order (the default)")
	cmd.Flags().StringVar(&only, "step", "", "run one step: create-key, encrypt-table, add-items, deny-user, grant-access (or 1 to 5)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "also print what came back (items read, the key-policy diff)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "change nothing: check each step and list the AWS CLI commands that would do the ones not done")
	return cmd
}

// planSteps is `run --dry-run`: only read-only checks are made; for each step not done it
// lists the AWS CLI commands the step stands for (the lab manifest's solution).
func planSteps(ctx context.Context, f *labFlags, out *printer, list []steps.Step) error {
	s, err := f.open(ctx, out, false)
	if err != nil {
		return err
	}
	defer s.close()
	out.header(fmt.Sprintf("kmslab run --dry-run · %s · account %s · %s · prefix %s", s.t.Label, s.t.Account, s.t.Region, s.prefix))
	man, err := content.Load()
	if err != nil {
		return err
	}
	vars := tui.ContentVars(s.lab, s.t)
	for _, st := range list {
		v, err := st.Check(ctx, s.lab)
		if err != nil {
			return err
		}
		if v.Passed() {
			out.line(fmt.Sprintf("%-13s %s: nothing to do", st.ID, v.Status))
			continue
		}
		out.line(fmt.Sprintf("%-13s %s [%s]: a run would make these changes:", st.ID, v.Status, v.Cause))
		if ms, ok := man.Step(st.ID); ok {
			for _, c := range ms.SolutionFor(vars) {
				out.line("    " + strings.ReplaceAll(c, "\n", "\n      "))
			}
		}
	}
	out.line("Nothing was changed (--dry-run).")
	return nil
}

func runSteps(ctx context.Context, f *labFlags, out *printer, list []steps.Step) error {
	s, err := f.open(ctx, out, true)
	if err != nil {
		return err
	}
	defer s.close()
	out.header(fmt.Sprintf("kmslab · %s · account %s · %s · prefix %s", s.t.Label, s.t.Account, s.t.Region, s.prefix))
	if err := confirmAWS(s.t, f, os.Stdin, stdinIsTerminal(), out, "run the lab"); err != nil {
		return err
	}
	all := steps.All()
	failed := false
	for _, st := range list {
		n := indexOf(all, st.ID) + 1
		out.header(fmt.Sprintf("Step %d/%d · %s", n, len(all), st.Title))
		v, err := st.Run(ctx, s.lab)
		if ctx.Err() != nil {
			s.save()
			return ctx.Err()
		}
		var pre *steps.PrereqError
		switch {
		case errors.As(err, &pre):
			out.line("  " + out.bad.Render("=> not run") + " " + pre.Error())
			failed = true
		case err != nil:
			out.line("  " + out.bad.Render("=> failed") + " " + err.Error())
			failed = true
		default:
			out.verdict(v)
			s.record(st.ID, v, true)
			failed = !v.Passed()
		}
		s.save()
		if failed {
			break
		}
	}
	if failed {
		return errFailed
	}
	if len(list) == len(all) {
		out.line("The lab is complete. `kmslab check` shows the state any time; `kmslab cleanup` removes what the lab made.")
	}
	return nil
}

func indexOf(all []steps.Step, id string) int {
	for i, s := range all {
		if s.ID == id {
			return i
		}
	}
	return -1
}

// checkReport is `kmslab check --json`.
type checkReport struct {
	Target    string        `json:"target"`
	Account   string        `json:"account"`
	Region    string        `json:"region"`
	Prefix    string        `json:"prefix"`
	Endpoint  string        `json:"endpoint,omitempty"`
	Enforces  string        `json:"enforcesKeyPolicies"`
	Complete  bool          `json:"complete"`
	CheckedAt time.Time     `json:"checkedAt"`
	Steps     []checkedStep `json:"steps"`
}

type checkedStep struct {
	ID       string            `json:"id"`
	Title    string            `json:"title"`
	Status   string            `json:"status"`
	Cause    string            `json:"cause"`
	Detail   string            `json:"detail"`
	Evidence map[string]string `json:"evidence"`
}

func newCheckCmd() *cobra.Command {
	var f labFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check every step against the live state (exit 0 only when the lab is complete)",
		Long: "Check reads the real state of the target, so it also judges work done by hand in the AWS\n" +
			"console. It finds the lab's resources by their names (from --prefix) and changes nothing.",
		Example: "  kmslab check\n  kmslab check --json | jq .steps[].status",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := newPrinter(cmd.OutOrStdout(), cmd.ErrOrStderr())
			ctx := cmd.Context()
			s, err := f.open(ctx, out, false)
			if err != nil {
				return err
			}
			defer s.close()
			rep := checkReport{Target: string(s.t.Kind), Account: s.t.Account, Region: s.t.Region, Prefix: s.prefix,
				Endpoint: s.t.Endpoint, Enforces: s.t.Enforces.String(), Complete: true, CheckedAt: time.Now().UTC()}
			for _, st := range steps.All() {
				v, err := st.Check(ctx, s.lab)
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					return fmt.Errorf("check %s: %w", st.ID, err)
				}
				s.record(st.ID, v, false)
				rep.Complete = rep.Complete && v.Passed()
				ev := v.Evidence
				if ev == nil {
					ev = map[string]string{}
				}
				rep.Steps = append(rep.Steps, checkedStep{ID: st.ID, Title: st.Title, Status: string(v.Status), Cause: v.Cause, Detail: v.Detail, Evidence: ev})
			}
			s.save()
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				out.header(fmt.Sprintf("kmslab check · %s · account %s · %s · prefix %s", s.t.Label, s.t.Account, s.t.Region, s.prefix))
				for i, st := range rep.Steps {
					out.line(fmt.Sprintf("  %d %-13s ", i+1, st.ID) + out.status(steps.Verdict{Status: steps.Status(st.Status), Cause: st.Cause, Detail: st.Detail}))
				}
				if rep.Complete {
					out.line("Complete: every step is done on this target.")
				} else {
					out.line("Not complete yet.")
				}
			}
			if !rep.Complete {
				return errFailed
			}
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object (for graders and scripts)")
	return cmd
}

func newCleanupCmd() *cobra.Command {
	var f labFlags
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Remove what the lab made (only resources tagged kmslab:lab=PREFIX)",
		Long: "Delete the test user's access keys, detach its policy, delete the user, the table and the alias,\n" +
			"then schedule the key's deletion after 7 days (the shortest window). A key waiting for\n" +
			"deletion is not billed. Anything with the lab's names but without its tag is left alone.",
		Example: "  kmslab cleanup --dry-run\n  kmslab cleanup --yes",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := newPrinter(cmd.OutOrStdout(), cmd.ErrOrStderr())
			ctx := cmd.Context()
			s, err := f.open(ctx, out, !dryRun)
			if err != nil {
				return err
			}
			defer s.close()
			out.header(fmt.Sprintf("kmslab cleanup · %s · account %s · %s · prefix %s", s.t.Label, s.t.Account, s.t.Region, s.prefix))
			if !dryRun && s.t.LooksLikeProduction() && !f.allowProd {
				return usageError("the account alias %q looks like production: clean-up deletes resources there (pass --allow-prod if you are sure)", s.t.AccountAlias)
			}
			if !dryRun && s.t.NeedsConfirmation() && !f.yes {
				plan, err := s.lab.Cleanup(ctx, true)
				if err != nil {
					return err
				}
				printPlan(out, plan)
				if len(plan) == 0 {
					return nil
				}
				if err := confirmAWS(s.t, &f, os.Stdin, stdinIsTerminal(), out, "delete these resources"); err != nil {
					return err
				}
			}
			plan, err := s.lab.Cleanup(ctx, dryRun)
			if dryRun {
				if err != nil {
					return err
				}
				printPlan(out, plan)
				return nil
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("clean-up stopped: %w (run it again: it picks up what is left)", err)
			}
			if len(plan) == 0 {
				out.line("Nothing to clean up: no resource tagged " + steps.TagKey + "=" + s.prefix + ".")
			} else {
				out.line(fmt.Sprintf("Cleaned up: %d call(s).", len(plan)))
			}
			if err := s.store.Remove(s.key()); err != nil {
				out.warn("could not forget the progress: " + err.Error())
			}
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list the calls clean-up would make, and make none")
	return cmd
}

func printPlan(out *printer, plan []steps.Planned) {
	if len(plan) == 0 {
		out.line("Nothing to clean up.")
		return
	}
	out.line("Clean-up would make these calls:")
	for _, p := range plan {
		out.line("  " + p.CLI + out.dim.Render("  ("+p.Summary+")"))
	}
}
