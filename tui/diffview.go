package tui

import (
	"fmt"

	"charm.land/lipgloss/v2"

	"github.com/kmslab/kmslab/steps"
)

// diffContext is how many unchanged lines show around a change; longer runs fold.
const diffContext = 3

// diffLines renders the key-policy diff: added lines green with "+", removed red with "-"
// (the signs carry it without colour), long unchanged runs folded; with no change, the
// policy as it is.
func (m Model) diffLines(inner int) []string {
	d := m.panel.diff
	if len(d) == 0 {
		return wrapText("No key-policy change yet. Run step 5 (Grant access): the diff of the key "+
			"policy before and after the grant shows here, and after a revoke too.", inner)
	}
	adds, dels := 0, 0
	for _, l := range d {
		switch l.Op {
		case '+':
			adds++
		case '-':
			dels++
		}
	}
	var head string
	switch {
	case adds == 0 && dels == 0:
		head = "The key policy did not change: it already named the test user."
	case adds > dels: // a grant adds the user's ARN to statements
		head = fmt.Sprintf("Before → after the grant: %d line(s) added (+), %d removed (-).", adds, dels)
	case dels > adds:
		head = fmt.Sprintf("Before → after the revoke: %d line(s) added (+), %d removed (-).", adds, dels)
	default:
		head = fmt.Sprintf("Before → after the last change: %d line(s) added (+), %d removed (-).", adds, dels)
	}
	out := append(wrapText(head, inner), "")
	for i, l := range d {
		if l.Op == ' ' && adds+dels > 0 && !nearChange(d, i) {
			// Print one fold line for the whole unchanged run.
			if i == 0 || nearChange(d, i-1) {
				n := 0
				for j := i; j < len(d) && d[j].Op == ' ' && !nearChange(d, j); j++ {
					n++
				}
				out = append(out, m.st.Dim.Render(fmt.Sprintf("  … %d unchanged line(s)", n)))
			}
			continue
		}
		out = append(out, m.diffLine(l, inner)...)
	}
	return out
}

// nearChange: line i is within diffContext lines of an added or removed line.
func nearChange(d []steps.DiffLine, i int) bool {
	for j := max(i-diffContext, 0); j <= min(i+diffContext, len(d)-1); j++ {
		if d[j].Op != ' ' {
			return true
		}
	}
	return false
}

// diffLine wraps one line under its sign; every wrapped part keeps the sign.
func (m Model) diffLine(l steps.DiffLine, inner int) []string {
	sign, style := "  ", lipgloss.NewStyle()
	switch l.Op {
	case '+':
		sign, style = "+ ", m.st.Done
	case '-':
		sign, style = "- ", m.st.Failed
	}
	var out []string
	for _, part := range wrapText(l.Text, max(inner-2, 1)) {
		out = append(out, style.Render(sign+part))
	}
	if len(out) == 0 {
		out = append(out, style.Render(sign))
	}
	return out
}
