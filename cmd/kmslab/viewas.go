package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/kmslab/kmslab/internal/textwrap"
	"github.com/kmslab/kmslab/steps"
)

// sideBySideMin is the terminal width from which view-as shows two columns.
const sideBySideMin = 100

func newViewAsCmd() *cobra.Command {
	var f labFlags
	cmd := &cobra.Command{
		Use:   "view-as",
		Short: "Read the table as you (the admin) and as the test user, side by side",
		Long: "view-as makes the same Scan twice: with your credentials and with the test user's. Both\n" +
			"have full DynamoDB rights; only the key policy decides whether the user's read works.\n" +
			"If this process holds no access key for the test user, it makes one as step 4 does.",
		Example: "  kmslab view-as",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := newPrinter(cmd.OutOrStdout(), cmd.ErrOrStderr())
			s, err := f.open(cmd.Context(), out, false)
			if err != nil {
				return err
			}
			defer s.close()
			// The test user's secret is never stored, so reading as that user makes a new
			// access key: a change to a real account, asked for like the others.
			if err := confirmOnAWS(s.t, &f, os.Stdin, stdinIsTerminal(), out, "read the table as the lab's test user",
				"  change    a new access key for the test user, held in memory only; kmslab deletes the",
				"            user's earlier key, and clean-up deletes the user with its keys"); err != nil {
				return err
			}
			admin, user, err := s.lab.ViewAs(cmd.Context())
			if err != nil {
				return err
			}
			for _, l := range viewAsLines(admin, user, termWidth(cmd.OutOrStdout())) {
				out.line(l)
			}
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

// viewAsLines lays the two reads out in two columns from 100 columns, else one after the other.
func viewAsLines(admin, user steps.ReadResult, width int) []string {
	if width >= sideBySideMin {
		col := (width - 3) / 2
		return sideBySide(readLines(admin, col), readLines(user, col), col)
	}
	w := width
	if w <= 0 {
		w = 78
	}
	return append(append(readLines(admin, w), ""), readLines(user, w)...)
}

// readLines renders one read in lines of at most width runes.
func readLines(r steps.ReadResult, width int) []string {
	lines := []string{"As " + r.As + ":"}
	if r.ErrCode != "" {
		lines = append(lines, indentAll("denied: "+r.ErrCode, 2, width)...)
		return append(lines, indentAll(r.ErrMessage, 4, width)...)
	}
	lines = append(lines, fmt.Sprintf("  %d item(s) in plain text", len(r.Items)))
	for _, it := range r.Items {
		lines = append(lines, indentAll("• "+it["id"], 2, width)...)
		keys := make([]string, 0, len(it))
		for k := range it {
			if k != "id" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			lines = append(lines, indentAll(k+": "+it[k], 6, width)...)
		}
	}
	return lines
}

// termWidth is the width of w when it is a terminal, else 0.
func termWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return 0
	}
	cols, _, err := term.GetSize(f.Fd())
	if err != nil {
		return 0
	}
	return cols
}

// sideBySide joins two blocks of lines into columns of width each, with a bar between.
func sideBySide(left, right []string, width int) []string {
	n := max(len(left), len(right))
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		var l, r string
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		pad := width - len([]rune(l))
		if pad < 0 {
			pad = 0
		}
		out = append(out, strings.TrimRight(l+strings.Repeat(" ", pad)+" │ "+r, " "))
	}
	return out
}

// indentAll wraps s to width-indent and indents each line.
func indentAll(s string, indent, width int) []string {
	var out []string
	for _, l := range textwrap.Lines(s, max(width-indent, 10)) {
		out = append(out, strings.Repeat(" ", indent)+l)
	}
	return out
}
