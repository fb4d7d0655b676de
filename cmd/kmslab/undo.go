package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

// undoPlans say in words what each step's Undo does, for --dry-run.
var undoPlans = map[string]string{
	steps.CreateKey:    "delete the alias and schedule the lab's key for deletion (7 days)",
	steps.EncryptTable: "delete the lab's table and its items",
	steps.AddItems:     "delete the sample items from the table",
	steps.DenyUser:     "delete the test user's access keys, detach its policies and delete the user",
	steps.GrantAccess:  "remove the test user from the key policy, then read as the user until the denial comes back",
}

func newUndoCmd() *cobra.Command {
	var f labFlags
	var only string
	var dryRun bool
	cmd := &cobra.Command{
		Use:     "undo --step ID",
		Short:   "Take one step back (only what the lab made), to show it again",
		Example: "  kmslab undo --step grant-access\n  kmslab undo --step 4 --dry-run",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, ok := steps.ByID(only)
			if !ok {
				return usageError("--step %q: choose one of %v (or 1 to 5)", only, steps.IDs())
			}
			return undoStep(cmd.Context(), &f, newPrinter(cmd.OutOrStdout(), cmd.ErrOrStderr()), st, dryRun)
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&only, "step", "", "the step to take back: create-key, encrypt-table, add-items, deny-user, grant-access (or 1 to 5)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "say what would be undone, and change nothing")
	return cmd
}

func newRevokeCmd() *cobra.Command {
	var f labFlags
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "revoke",
		Short: "Remove the test user from the key policy and watch its reads stop (replay the denial)",
		Long: "Revoke undoes the grant: the test user leaves the key policy. On AWS, DynamoDB keeps a table key\n" +
			"it has already decrypted for up to five minutes, so the user may go on reading for a while;\n" +
			"revoke reads as the user until the denial comes back. `kmslab run --step grant-access` grants again.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, _ := steps.ByID(steps.GrantAccess)
			return undoStep(cmd.Context(), &f, newPrinter(cmd.OutOrStdout(), cmd.ErrOrStderr()), st, dryRun)
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "say what revoke would do, and change nothing")
	return cmd
}

func undoStep(ctx context.Context, f *labFlags, out *printer, st steps.Step, dryRun bool) error {
	s, err := f.open(ctx, out, !dryRun)
	if err != nil {
		return err
	}
	defer s.close()
	out.header(fmt.Sprintf("kmslab undo %s · %s · account %s · %s · prefix %s", st.ID, s.t.Label, s.t.Account, s.t.Region, s.prefix))
	if dryRun {
		out.line("Would " + undoPlans[st.ID] + ". Nothing was changed (--dry-run).")
		return nil
	}
	if err := confirmAWS(s.t, f, os.Stdin, stdinIsTerminal(), out, "undo "+st.ID); err != nil {
		return err
	}
	t0 := time.Now()
	if err := st.Undo(ctx, s.lab); err != nil {
		if ctx.Err() != nil {
			s.save()
			return ctx.Err()
		}
		return fmt.Errorf("undo %s: %w", st.ID, err)
	}
	for _, each := range steps.All() {
		v, err := each.Check(ctx, s.lab)
		if err != nil {
			return err
		}
		s.record(each.ID, v, false)
		if each.ID == st.ID {
			out.verdict(v)
		}
		if each.ID == st.ID && st.ID == steps.GrantAccess && s.t.Enforces == target.Enforces {
			out.line(fmt.Sprintf("Revoked: reads as %s are denied again (%s after the change).", s.lab.User, ms(time.Since(t0))))
		}
	}
	s.save()
	return nil
}
