// Package report writes the markdown lab report: what the student did, when, with which
// resources, the denial they met, the key-policy change and their quiz scores. It is built
// from recorded facts only and never holds secrets.
package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kmslab/kmslab/steps"
)

// Data is everything a report shows.
type Data struct {
	Target, Label, Account, Region, Prefix string
	Generated                              time.Time
	Version                                string
	Steps                                  []Step
	DenialCode, DenialMessage, DenialAt    string
	PolicyBefore, PolicyAfter              string
	Quiz                                   []Score
	Live                                   Live
}

// Step is one lab step: its live status and when it was first completed.
type Step struct {
	ID, Title, Status, Cause string
	CompletedAt              time.Time
	ARNs                     []string // evidence ARNs, in a stable order
}

// Score is a quiz result, "2/3".
type Score struct{ Step, Score string }

// Live is the check made when the report was written.
type Live struct {
	At             time.Time
	Passed, Total  int
	Complete       bool
	NotPassedSteps []string
}

// EvidenceARNs picks the ARNs out of a verdict's evidence, sorted by key.
func EvidenceARNs(ev map[string]string) []string {
	keys := make([]string, 0, len(ev))
	for k, v := range ev {
		if strings.HasPrefix(v, "arn:") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		if v := ev[k]; !contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Markdown renders the report.
func Markdown(d Data) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# Lab report: Encrypt data with AWS KMS\n\n")
	w("| | |\n|---|---|\n")
	w("| Target | %s |\n", cell(d.Label))
	w("| Account | %s |\n", cell(d.Account))
	w("| Region | %s |\n", cell(d.Region))
	w("| Prefix | %s |\n", cell(d.Prefix))
	w("| Generated | %s |\n", stamp(d.Generated))
	w("| kmslab version | %s |\n\n", cell(d.Version))

	w("## Steps\n\n| # | Step | Status | Completed | Evidence |\n|---|---|---|---|---|\n")
	for i, s := range d.Steps {
		status := s.Status
		if s.Cause != "" {
			status += " (" + s.Cause + ")"
		}
		done := "–"
		if !s.CompletedAt.IsZero() {
			done = stamp(s.CompletedAt)
		}
		arns := "–"
		if len(s.ARNs) > 0 {
			parts := make([]string, len(s.ARNs))
			for j, a := range s.ARNs {
				parts[j] = "`" + a + "`"
			}
			arns = strings.Join(parts, "<br>")
		}
		w("| %d | %s | %s | %s | %s |\n", i+1, cell(s.Title), cell(status), done, arns)
	}
	w("\n## The denial\n\n")
	if d.DenialMessage == "" {
		w("No denial was recorded on this target.\n")
	} else {
		code := d.DenialCode
		if code == "" {
			code = "AccessDeniedException"
		}
		when := ""
		if d.DenialAt != "" {
			when = " at " + d.DenialAt
		}
		w("Reading the table as the test user%s was refused with %s:\n\n", when, code)
		w("```text\n%s\n```\n", d.DenialMessage)
	}
	w("\n## The key-policy change\n\n")
	if d.PolicyBefore == "" || d.PolicyAfter == "" {
		w("No key-policy change was recorded.\n")
	} else {
		w("The key policy before (`-`) and after (`+`) the grant:\n\n")
		w("```diff\n%s\n```\n", steps.DiffText(steps.Diff(d.PolicyBefore, d.PolicyAfter)))
	}
	w("\n## Quiz\n\n")
	if len(d.Quiz) == 0 {
		w("No quiz taken.\n")
	} else {
		w("| Step | Score |\n|---|---|\n")
		for _, q := range d.Quiz {
			w("| %s | %s |\n", cell(q.Step), cell(q.Score))
		}
	}
	w("\n## Live check\n\n")
	w("Checked against the target at %s: %d of %d steps pass.", stamp(d.Live.At), d.Live.Passed, d.Live.Total)
	if d.Live.Complete {
		w(" The lab is complete.\n")
	} else {
		w(" Not passing now: %s.\n", strings.Join(d.Live.NotPassedSteps, ", "))
	}
	return b.String()
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// cell keeps a value from breaking the table.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}
