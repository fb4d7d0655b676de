package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/kmslab/kmslab/steps"
)

type focus int

const (
	focusSteps focus = iota
	focusLesson
	focusActivity
	focusResult
	focusCount
)

func (f focus) String() string {
	return [...]string{"steps", "lesson", "activity", "result"}[f]
}

// stepState is what the app knows about one step.
type stepState struct {
	v        *steps.Verdict
	err      error
	running  bool
	checking bool
}

// Model is the root model.
type Model struct {
	deps  Deps
	ctx   context.Context
	list  []steps.Step
	state []stepState

	sel      int
	focus    focus
	keys     KeyMap
	help     help.Model
	spin     spinner.Model
	spinning bool
	act      activity

	width, height int
	dark          bool
	st            Styles

	lessons   map[lessonKey]string
	pending   map[lessonKey]bool
	lessonOff int
	// resultOff scrolls the result pane when its text is taller than the pane can grow.
	resultOff int
	// hintLevel is 0 when no hint shows, else the level shown (1 = nudge).
	hintLevel int
	// panel is the teaching view open in the result pane (why, diff, quiz…); panelSeq
	// numbers the requests so a late answer for a closed view is dropped.
	panel    panel
	panelSeq int
	// loads counts the views' calls in flight; no step runs beside them, and a quit waits
	// for them. loadCancel cancels the newest.
	loads      int
	loadCancel context.CancelFunc

	// busy is true while a run or a check is in flight; cancel stops it.
	busy        bool
	cancel      context.CancelFunc
	initialized bool
	// confirming: the AWS confirmation screen is up; nothing has been called yet.
	confirming bool
	// declined: the student said no at the confirmation screen.
	declined bool
	// exiting holds the quit or interrupt to send once the run or check in flight has
	// returned after its context was cancelled, so nothing is left half-made.
	exiting tea.Cmd
	// userRead is the test user's last successful Scan in step 5 (the items it read).
	userRead *readResult
	// bgKnown: the background colour is known (or waited for long enough). Lessons are not
	// rendered before, because glamour keeps the code-block colours of its first render for
	// the whole process (glamour#436).
	bgKnown bool
	// pres is presenter mode's state (Deps.Present).
	pres presenter
}

// bgWait bounds the wait for the terminal's answer about its background colour.
const bgWait = 300 * time.Millisecond

type bgTimeoutMsg struct{}

// Messages from Cmds.
type (
	// checkedMsg: the Check of every step, in order.
	checkedMsg struct {
		results []stepResult
		initial bool
	}
	// ranMsg: one step's Run came back.
	ranMsg struct {
		idx int
		stepResult
	}
	stepResult struct {
		v   steps.Verdict
		err error
	}
)

// New builds the app. Deps.Lab (or Deps.Steps with Run/Check that ignore the Lab) is needed.
func New(deps Deps) Model {
	if deps.Steps == nil {
		deps.Steps = steps.All()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	ctx := deps.Context
	if ctx == nil {
		ctx = context.Background()
	}
	h := help.New()
	m := Model{
		deps:    deps,
		ctx:     ctx,
		list:    deps.Steps,
		state:   make([]stepState, len(deps.Steps)),
		keys:    DefaultKeyMap(),
		help:    h,
		spin:    spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		act:     newActivity(),
		dark:    true,
		lessons: map[lessonKey]string{},
		pending: map[lessonKey]bool{},
	}
	// The first Check (from Init) is in flight: no run until it is back.
	m.busy = true
	for i := range m.state {
		m.state[i].checking = true
	}
	m.bgKnown = deps.NoColor // ascii lessons have no colours to get wrong
	m.confirming = deps.Confirm
	m.pres = newPresenter()
	m.restyle()
	return m
}

func (m *Model) restyle() {
	m.st = NewStyles(m.dark, m.deps.NoColor)
	if m.deps.NoColor {
		m.help.Styles = help.Styles{}
	} else {
		m.help.Styles = help.DefaultStyles(m.dark)
	}
	m.spin.Style = m.st.Running
}

// Init asks for the background colour, checks every step and starts the event pump.
func (m Model) Init() tea.Cmd {
	var wait tea.Cmd
	if !m.bgKnown {
		wait = tea.Tick(bgWait, func(time.Time) tea.Msg { return bgTimeoutMsg{} })
	}
	if m.confirming {
		return tea.Batch(tea.RequestBackgroundColor, wait)
	}
	return tea.Batch(tea.RequestBackgroundColor, wait, m.start())
}

// start checks every step and starts the event pump: the first calls the app makes.
func (m Model) start() tea.Cmd {
	return tea.Batch(m.checkAll(true), m.listen())
}

func (m Model) listen() tea.Cmd {
	if m.deps.Events == nil {
		return nil
	}
	return m.deps.Events.listen(m.ctx)
}

// checkAll runs every step's Check, one after the other, in a Cmd.
func (m Model) checkAll(initial bool) tea.Cmd {
	list, lab, ctx := m.list, m.deps.Lab, m.ctx
	return func() tea.Msg {
		out := make([]stepResult, len(list))
		for i, s := range list {
			if ctx.Err() != nil {
				out[i].err = ctx.Err()
				continue
			}
			out[i].v, out[i].err = s.Check(ctx, lab)
		}
		return checkedMsg{results: out, initial: initial}
	}
}

// Update handles one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		return m, m.lessonCmd()
	case tea.BackgroundColorMsg:
		m.dark, m.bgKnown = msg.IsDark(), true
		m.restyle()
		return m, m.lessonCmd()
	case bgTimeoutMsg:
		m.bgKnown = true
		return m, m.lessonCmd()
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.MouseWheelMsg:
		switch msg.Mouse().Button {
		case tea.MouseWheelUp:
			m.scroll(-3)
		case tea.MouseWheelDown:
			m.scroll(3)
		}
		return m, nil
	case eventsMsg:
		for _, e := range msg {
			m.act.add(e)
			m.pres.record(e)
			m.noteRead(e)
		}
		return m, tea.Batch(m.listen(), m.startSpin())
	case spinner.TickMsg:
		if !m.busy && !m.act.inFlight() {
			m.spinning = false
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case checkedMsg:
		return m.checked(msg)
	case ranMsg:
		return m.ran(msg)
	case insightMsg:
		return m.gotInsight(msg)
	case summaryMsg:
		m.pres.summaries[msg.id] = msg.text
		return m, nil
	case revokedMsg:
		return m.revokedMsg(msg)
	case lessonMsg:
		delete(m.pending, msg.key)
		text := msg.text
		if msg.err != nil {
			text = "Could not load the lesson: " + msg.err.Error()
		}
		m.lessons[msg.key] = text
		return m, nil
	}
	return m, nil
}

func (m Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if m.confirming {
		return m.confirmKey(msg)
	}
	if m.deps.Present {
		return m.presentKey(msg)
	}
	// An open question (solution y/n, a quiz answer) takes its keys first.
	switch m.panel.kind {
	case panelAskSolution:
		if next, cmd, ok := m.askKey(msg); ok {
			return next, cmd
		}
	case panelQuiz:
		if next, cmd, ok := m.quizKey(msg); ok {
			return next, cmd
		}
	}
	if next, cmd, ok := m.panelKey(msg); ok {
		return next, cmd
	}
	switch {
	case key.Matches(msg, k.Interrupt):
		return m.exit(tea.Interrupt)
	case key.Matches(msg, k.Quit):
		return m.exit(tea.Quit)
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
	case key.Matches(msg, k.Focus):
		m.focus = (m.focus + 1) % focusCount
	case key.Matches(msg, k.Up):
		if m.focus == focusSteps {
			return m, m.selectStep(m.sel - 1)
		}
		m.scroll(-1)
	case key.Matches(msg, k.Down):
		if m.focus == focusSteps {
			return m, m.selectStep(m.sel + 1)
		}
		m.scroll(1)
	case key.Matches(msg, k.PageUp):
		m.scroll(-m.pageSize())
	case key.Matches(msg, k.PageDown):
		m.scroll(m.pageSize())
	case key.Matches(msg, k.Hint):
		m.closePanel()
		m.hintLevel++
		m.resultOff = 0
		if m.hintLevel > len(m.hintLevels()) {
			m.hintLevel = 0
		}
	case key.Matches(msg, k.Run):
		return m.run(m.sel)
	case key.Matches(msg, k.Check):
		if m.busy || m.loads > 0 {
			return m, nil
		}
		m.busy = true
		for i := range m.state {
			m.state[i].checking = true
		}
		ctx, cancel := context.WithCancel(m.ctx)
		m.cancel = cancel
		c := m
		c.ctx = ctx
		return m, tea.Batch(c.checkAll(false), m.startSpin())
	}
	return m, nil
}

// exit quits (or interrupts) now when nothing is in flight; else it cancels the call in
// flight and quits when its Cmd has returned. A second request while waiting goes at once.
func (m Model) exit(how tea.Cmd) (tea.Model, tea.Cmd) {
	waitRun := m.busy && m.cancel != nil
	if m.exiting != nil || (!waitRun && m.loads == 0) {
		m.stop()
		m.stopLoad()
		return m, how
	}
	m.exiting = how
	m.stop()
	m.stopLoad()
	return m, nil
}

// then runs first (whose message is dropped) and then next, in one Cmd: the verdict is
// saved before the program ends.
func then(first, next tea.Cmd) tea.Cmd {
	if first == nil {
		return next
	}
	return func() tea.Msg {
		first()
		return next()
	}
}

// stop cancels the run or check in flight.
func (m *Model) stop() {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
}

func (m *Model) selectStep(i int) tea.Cmd {
	if i < 0 || i >= len(m.list) || i == m.sel {
		return nil
	}
	m.sel, m.lessonOff, m.hintLevel, m.resultOff = i, 0, 0, 0
	if m.panel.kind.stepPanel() {
		m.closePanel()
	}
	return m.lessonCmd()
}

func (m Model) run(i int) (tea.Model, tea.Cmd) {
	// Not beside a view's call either: view-as may make the test user's access key.
	if m.busy || m.loads > 0 || i < 0 || i >= len(m.list) {
		return m, nil
	}
	ctx, cancel := context.WithCancel(m.ctx)
	m.busy, m.cancel, m.hintLevel = true, cancel, 0
	m.closePanel() // the run's result is what to see now
	m.state[i] = stepState{v: m.state[i].v, running: true}
	if m.list[i].ID == steps.GrantAccess {
		m.userRead = nil // show what this run reads
	}
	s, lab := m.list[i], m.deps.Lab
	cmd := func() tea.Msg {
		v, err := s.Run(ctx, lab)
		return ranMsg{idx: i, stepResult: stepResult{v: v, err: err}}
	}
	return m, tea.Batch(cmd, m.startSpin())
}

func (m *Model) startSpin() tea.Cmd {
	if m.spinning || (!m.busy && !m.act.inFlight()) {
		return nil
	}
	m.spinning = true
	return m.spin.Tick
}

func (m Model) ran(msg ranMsg) (tea.Model, tea.Cmd) {
	m.stop()
	m.busy = false
	// Calls still open get their end events from the pump, which may trail this message.
	st := &m.state[msg.idx]
	st.running, st.err = false, msg.err
	m.resultOff = 0
	if msg.err == nil {
		v := msg.v
		st.v = &v
	}
	if m.exiting != nil {
		return m, then(m.save(msg.idx, msg.stepResult), m.exiting)
	}
	return m, m.save(msg.idx, msg.stepResult)
}

func (m Model) checked(msg checkedMsg) (tea.Model, tea.Cmd) {
	m.stop()
	m.busy = false
	var cmds []tea.Cmd
	for i, r := range msg.results {
		if i >= len(m.state) {
			break
		}
		st := &m.state[i]
		st.checking, st.err = false, r.err
		if r.err == nil {
			v := r.v
			st.v = &v
		}
		cmds = append(cmds, m.save(i, r))
	}
	if msg.initial && !m.initialized {
		m.initialized = true
		next := len(m.list) - 1
		for i, st := range m.state {
			if st.v == nil || !st.v.Passed() {
				next = i
				break
			}
		}
		m.sel = max(next, 0)
		m.lessonOff = 0
		cmds = append(cmds, m.lessonCmd(), m.summaryCmd())
	}
	if m.exiting != nil {
		return m, m.exiting
	}
	return m, tea.Batch(cmds...)
}

// save hands a verdict to Deps.Save off the event loop (it writes a file).
func (m Model) save(i int, r stepResult) tea.Cmd {
	if m.deps.Save == nil || r.err != nil || i >= len(m.list) {
		return nil
	}
	save, id, v := m.deps.Save, m.list[i].ID, r.v
	return func() tea.Msg {
		save(id, v)
		return nil
	}
}

// lessonStyle is the glamour style for the current colours.
func (m Model) lessonStyle() string {
	switch {
	case m.deps.NoColor:
		return "ascii"
	case m.dark:
		return "dark"
	default:
		return "light"
	}
}

// prefix is the lab's name prefix for the header.
func (m Model) prefix() string {
	if m.deps.Prefix != "" {
		return m.deps.Prefix
	}
	if m.deps.Lab != nil {
		return m.deps.Lab.Prefix
	}
	return ""
}

func (m Model) currentLessonKey() (lessonKey, bool) {
	return m.lessonKeyFor(m.layout())
}

func (m Model) lessonKeyFor(l layout) (lessonKey, bool) {
	// The presenter shows no lesson pane: no glamour render.
	if !l.ok || len(m.list) == 0 || m.confirming || m.deps.Present {
		return lessonKey{}, false
	}
	return lessonKey{id: m.list[m.sel].ID, width: l.rightW - 2, style: m.lessonStyle()}, true
}

// lessonCmd renders the selected lesson for the current width and style unless cached.
func (m Model) lessonCmd() tea.Cmd {
	k, ok := m.currentLessonKey()
	if !ok || !m.bgKnown {
		return nil
	}
	if _, hit := m.lessons[k]; hit || m.pending[k] {
		return nil
	}
	m.pending[k] = true
	return renderLesson(m.deps.Lessons, k)
}
