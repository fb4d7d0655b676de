package tui

import (
	"charm.land/lipgloss/v2"
)

// Styles are the app's styles. With no colour every style is empty, so the output is plain
// text (NO_COLOR and the golden files).
type Styles struct {
	Header, Title, Dim, Selected, Border, FocusBorder   lipgloss.Style
	Done, NotDone, Running, Propagating, Cannot, Failed lipgloss.Style
	Denied, Granted                                     lipgloss.Style
}

// NewStyles builds styles for a dark or light background.
func NewStyles(isDark, noColor bool) Styles {
	if noColor {
		return Styles{}
	}
	ld := lipgloss.LightDark(isDark)
	s := lipgloss.NewStyle
	return Styles{
		Header:      s().Bold(true).Foreground(ld(lipgloss.Color("#5A56E0"), lipgloss.Color("#B8B5FF"))),
		Title:       s().Bold(true),
		Dim:         s().Foreground(ld(lipgloss.Color("#777777"), lipgloss.Color("#888888"))),
		Selected:    s().Bold(true).Foreground(ld(lipgloss.Color("#1A1A1A"), lipgloss.Color("#FFFFFF"))),
		Border:      s().Foreground(ld(lipgloss.Color("#BBBBBB"), lipgloss.Color("#555555"))),
		FocusBorder: s().Foreground(ld(lipgloss.Color("#5A56E0"), lipgloss.Color("#8E8BFF"))),
		Done:        s().Foreground(ld(lipgloss.Color("#1F8A3D"), lipgloss.Color("#5FD787"))),
		NotDone:     s().Foreground(ld(lipgloss.Color("#777777"), lipgloss.Color("#999999"))),
		Running:     s().Foreground(ld(lipgloss.Color("#B36B00"), lipgloss.Color("#FFD75F"))),
		Propagating: s().Foreground(ld(lipgloss.Color("#B36B00"), lipgloss.Color("#FFAF5F"))),
		Cannot:      s().Foreground(ld(lipgloss.Color("#0066AA"), lipgloss.Color("#5FAFFF"))),
		Failed:      s().Foreground(ld(lipgloss.Color("#C0392B"), lipgloss.Color("#FF5F5F"))),
		Denied:      s().Bold(true).Foreground(ld(lipgloss.Color("#C0392B"), lipgloss.Color("#FF5F5F"))),
		Granted:     s().Bold(true).Foreground(ld(lipgloss.Color("#1F8A3D"), lipgloss.Color("#5FD787"))),
	}
}
