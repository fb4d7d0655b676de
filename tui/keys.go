package tui

import "charm.land/bubbles/v2/key"

// KeyMap holds every binding; it is also the help.KeyMap for the footer.
type KeyMap struct {
	Up, Down, Run, Check, Hint, Focus, PageUp, PageDown, Help, Quit, Interrupt key.Binding
	// The teaching views (issue 5), shown in the result pane; Back closes them.
	Why, Diff, ViewAs, Peek, Solution, Quiz, Back key.Binding
}

// DefaultKeyMap is kmslab's keymap.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Run:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run")),
		Check:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "check")),
		Hint:      key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "hint")),
		Focus:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "focus")),
		PageUp:    key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "scroll up")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "scroll down")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Interrupt: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "cancel & quit")),
		Why:       key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "why")),
		Diff:      key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "policy diff")),
		ViewAs:    key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "view as")),
		Peek:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "storage peek")),
		Solution:  key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "solution")),
		Quiz:      key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "quiz")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
	}
}

// ShortHelp is the one-line footer.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Run, k.Check, k.Hint, k.Why, k.Help, k.Quit}
}

// FullHelp is shown after `?`: four columns of at most five, so it fits 80 columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Run, k.Check, k.Focus},
		{k.PageUp, k.PageDown, k.Hint, k.Why, k.Diff},
		{k.ViewAs, k.Peek, k.Solution, k.Quiz, k.Back},
		{k.Help, k.Quit, k.Interrupt},
	}
}
