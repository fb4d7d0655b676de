package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/kmslab/kmslab/steps"
)

// verdictBox is the console-like box the result pane becomes at the lab's two big
// moments: the red denial after step 4 and the green grant after step 5.
type verdictBox struct {
	title  string
	style  lipgloss.Style
	fields []string // "label:   value", wrapped with a hanging indent
	extra  []string // free text under the fields (the items the user read)
}

// fieldIndent is where the values of "label:   value" start.
const fieldIndent = 10

func (b verdictBox) lines(inner int) []string {
	out := hanging(b.fields, inner, fieldIndent)
	for _, l := range b.extra {
		out = append(out, hanging([]string{l}, inner, 2)...)
	}
	return out
}

// verdictBox says whether the selected step's result shows as a box, and which.
func (m Model) verdictBox() (verdictBox, bool) {
	if len(m.list) == 0 || m.hintLevel > 0 || m.panel.kind != panelNone {
		return verdictBox{}, false
	}
	st := m.state[m.sel]
	if st.err != nil || st.running || st.checking || st.v == nil {
		return verdictBox{}, false
	}
	switch m.list[m.sel].ID {
	case steps.DenyUser:
		title, fields, ok := denial(*st.v)
		return verdictBox{title: title, style: m.st.Denied, fields: fields}, ok
	case steps.GrantAccess:
		if st.v.Status != steps.Done {
			return verdictBox{}, false
		}
		return m.granted(*st.v), true
	}
	return verdictBox{}, false
}

// resultBox shows the selected step's verdict, its error, or the hint, from the line the
// student scrolled to (when even the grown pane is too short: full help at 80×24).
func (m Model) resultBox(w, h int) []string {
	body := m.resultBody(w - 2)
	off := min(m.resultOff, max(len(body)-(h-2), 0))
	body = body[off:]
	if vb, ok := m.verdictBox(); ok {
		border := m.st.Failed
		if vb.title == grantedTitle {
			border = m.st.Done
		}
		if m.focus == focusResult {
			border = m.st.FocusBorder
		}
		return box(vb.style.Render(vb.title), body, w, h, border)
	}
	return box(m.panelTitle(), body, w, h, m.border(focusResult))
}

// denial is the red box for step 4: who was refused what, on which key, and why.
func denial(v steps.Verdict) (string, []string, bool) {
	ev := v.Evidence
	reason := ev["errorMessage"]
	if reason == "" {
		reason = ev["awsWouldSay"]
	}
	if reason == "" || (v.Status != steps.Done && v.Status != steps.CannotDemonstrate) {
		return "", nil, false
	}
	title := "Access denied to kms:Decrypt"
	if v.Status == steps.CannotDemonstrate {
		title = "AWS would deny kms:Decrypt (not shown on this target)"
	}
	return title, []string{
		"user:     " + ev["userArn"],
		"action:   " + action(ev),
		"resource: " + ev["keyArn"],
		"reason:   " + reason,
	}, true
}

const grantedTitle = "Access granted"

// granted is the green box for step 5: the user, the key, the statement that allows it,
// and the items the user's Scan read in this session (from the pump's events).
func (m Model) granted(v steps.Verdict) verdictBox {
	ev := v.Evidence
	fields := []string{
		"user:     " + ev["userArn"],
		"action:   " + action(ev),
		"resource: " + ev["keyArn"],
	}
	if by := ev["allowedBy"]; by != "" {
		fields = append(fields, "allowed:  "+by)
	}
	var extra []string
	if r := m.userRead; r != nil && r.items != "" {
		extra = append(extra, fmt.Sprintf("Scan as %s: %s", r.user, r.result))
		for _, it := range strings.Split(r.items, "\n") {
			extra = append(extra, "  "+it)
		}
	} else {
		extra = append(extra, "Run the step (enter) to read the table as the test user.")
	}
	return verdictBox{title: grantedTitle, style: m.st.Granted, fields: fields, extra: extra}
}

func action(ev map[string]string) string {
	if a := ev["action"]; a != "" {
		return a
	}
	return "kms:Decrypt"
}

// readResult is the last successful Scan the test user made for step 5.
type readResult struct {
	user, result, items string
}

// noteRead keeps the items of the test user's successful Scan in step 5.
func (m *Model) noteRead(e steps.Event) {
	if e.Phase != steps.CallEnd || e.Step != steps.GrantAccess || e.Operation != "Scan" ||
		e.As == "" || e.As == "admin" || e.Failed() {
		return
	}
	m.userRead = &readResult{user: e.As, result: e.Result, items: e.Detail}
}
