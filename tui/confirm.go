package tui

import (
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// ErrDeclined is what Run returns when the student answers no at the confirmation screen;
// no AWS call was made.
var ErrDeclined = errors.New("stopped at the confirmation: nothing was created")

// confirmKey handles keys on the confirmation screen: y goes on, n or q quits.
func (m Model) confirmKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "y", "Y":
		m.confirming = false
		return m, tea.Batch(m.start(), m.lessonCmd())
	case "n", "N", "q", "esc":
		m.declined = true
		return m, tea.Quit
	case "ctrl+c":
		m.declined = true
		return m, tea.Interrupt
	}
	return m, nil
}

// confirmScreen says where the lab is about to create things and what that costs.
func (m Model) confirmScreen() string {
	w := min(m.width, 78)
	inner := w - 2
	var acct, caller, region string
	if t := m.deps.Target; t != nil {
		acct, caller, region = t.Account, t.CallerARN, t.Region
	}
	fields := []string{
		"account:  " + acct,
		"caller:   " + caller,
		"region:   " + region,
		"cost:     a customer managed KMS key costs $1 a month, billed by the hour while it exists. " +
			"Clean-up schedules its deletion after 7 days, and a key pending deletion is not billed.",
	}
	if l := m.deps.Lab; l != nil {
		fields = append(fields, "creates:  key "+l.Alias+", table "+l.Table+", IAM user "+l.User)
	}
	body := hanging(fields, inner, fieldIndent)
	body = append(body, "", "y  go on     n / q  quit without creating anything")
	lines := []string{m.st.Header.Render(fit(m.header(), m.width)), ""}
	for _, l := range box(m.st.Denied.Render("Run the lab in a real AWS account?"), body, w, len(body)+2, m.st.Border) {
		lines = append(lines, fit(l, m.width))
	}
	for len(lines) < m.height {
		lines = append(lines, fit("", m.width))
	}
	return strings.Join(lines[:m.height], "\n")
}
