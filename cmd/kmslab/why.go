package main

import (
	"strings"

	"github.com/spf13/cobra"
)

func newWhyCmd() *cobra.Command {
	var f labFlags
	cmd := &cobra.Command{
		Use:   "why",
		Short: "Explain why the test user can or cannot read the table: KMS's decision, statement by statement",
		Long: "why reads the test user's IAM policies and the key policy as they are now, and walks\n" +
			"through how KMS decides kms:Decrypt for that user on your key: what each policy allows,\n" +
			"whether the key policy hands the question to IAM, and the result in AWS's own words.\n" +
			"It changes nothing. On an emulator that does not enforce key policies, it says what AWS would decide.",
		Example: "  kmslab why\n  kmslab why --target aws --profile lab",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := newPrinter(cmd.OutOrStdout(), cmd.ErrOrStderr())
			s, err := f.open(cmd.Context(), out, false)
			if err != nil {
				return err
			}
			defer s.close()
			e, err := s.lab.Explain(cmd.Context())
			if err != nil {
				return err
			}
			out.line(strings.TrimRight(e.Text(), "\n"))
			return nil
		},
	}
	f.add(cmd)
	return cmd
}
