package main

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

// peekBytes is how much of the stored item the dump shows.
const peekBytes = 256

// peekSideBySideMin fits a 78-column hex dump beside the item.
const peekSideBySideMin = 120

func newPeekCmd() *cobra.Command {
	var f labFlags
	var id string
	cmd := &cobra.Command{
		Use:   "peek",
		Short: "Show an item as the sandbox stores it (ciphertext) beside what you read (sandbox only)",
		Long: "peek asks the built-in sandbox for the bytes it keeps on disk for one item and shows them as\n" +
			"a hex dump beside the same item read through DynamoDB. The stored bytes are ciphertext:\n" +
			"DynamoDB decrypts them with your key whenever an allowed reader asks. Only the sandbox can\n" +
			"show stored bytes; AWS and other emulators keep them out of reach.",
		Example: "  kmslab peek\n  kmslab peek --id customer-002",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := newPrinter(cmd.OutOrStdout(), cmd.ErrOrStderr())
			o, err := f.options()
			if err != nil {
				return err
			}
			if o.Kind != "" && o.Kind != target.Sandbox {
				return steps.ErrPeekSandboxOnly
			}
			s, err := f.open(cmd.Context(), out, false)
			if err != nil {
				return err
			}
			defer s.close()
			p, err := s.lab.Peek(cmd.Context(), id)
			if err != nil {
				return err
			}
			for _, l := range peekLines(p, termWidth(cmd.OutOrStdout())) {
				out.line(l)
			}
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&id, "id", steps.SampleItems[0]["id"], "the id of the item to show")
	return cmd
}

// peekLines puts the dump and the item side by side from 120 columns, else one after the other.
func peekLines(p *steps.Peek, width int) []string {
	n := min(len(p.Stored), peekBytes)
	left := []string{fmt.Sprintf("Stored by the sandbox (%d of %d bytes, encrypted):", n, len(p.Stored))}
	left = append(left, strings.Split(strings.TrimRight(hex.Dump(p.Stored[:n]), "\n"), "\n")...)
	keys := make([]string, 0, len(p.Plain))
	for k := range p.Plain {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	side := width >= peekSideBySideMin
	rightWidth := 78
	if side {
		// The dump takes 78 columns and the bar 3.
		rightWidth = width - 81
	}
	right := indentAll("Read through DynamoDB as you (decrypted with your key):", 0, rightWidth)
	for _, k := range keys {
		right = append(right, indentAll(k+": "+p.Plain[k], 2, rightWidth)...)
	}
	head := []string{"Item " + p.ID + " of table " + p.Table, ""}
	if side {
		return append(head, sideBySide(left, right, 78)...)
	}
	return append(append(append(head, left...), ""), right...)
}
