package tui

import (
	"sync/atomic"
	"testing"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/glamour/v2"

	"github.com/kmslab/kmslab/content"
)

// loopModel marks when Update or View is running, so the render hook can tell.
type loopModel struct {
	Model
	inLoop *atomic.Bool
}

func (l loopModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	l.inLoop.Store(true)
	defer l.inLoop.Store(false)
	next, cmd := l.Model.Update(msg)
	l.Model = next.(Model)
	return l, cmd
}

func (l loopModel) View() tea.View {
	l.inLoop.Store(true)
	defer l.inLoop.Store(false)
	return l.Model.View()
}

// TestNoGlamourOnEventLoop drives a session (start, resize, steps, colours, help) and
// fails if glamour renders while Update or View runs; it also checks renders happened.
func TestNoGlamourOnEventLoop(t *testing.T) {
	var inLoop atomic.Bool
	var renders, onLoop atomic.Int32
	orig := glamourRender
	t.Cleanup(func() { glamourRender = orig })
	glamourRender = func(r *glamour.TermRenderer, md string) (string, error) {
		renders.Add(1)
		if inLoop.Load() {
			onLoop.Add(1)
		}
		return orig(r, md)
	}
	f := newFakeLab()
	ins := newInsights()
	ins.onLoop = &inLoop
	lm := loopModel{Model: New(Deps{Steps: f.steps(), Lessons: fakeLessons(), Now: fixedNow, Insights: ins,
		Notes:   grantNotes,
		Quizzes: QuizFunc(func(string) ([]content.Question, bool) { return fakeQuiz, true })}), inLoop: &inLoop}
	// settle-like loop on the wrapper: Cmds run here, outside Update.
	drive := func(cmd tea.Cmd) {
		queue := []tea.Cmd{cmd}
		for len(queue) > 0 {
			c := queue[0]
			queue = queue[1:]
			if c == nil {
				continue
			}
			switch msg := c().(type) {
			case nil, tea.QuitMsg, tea.InterruptMsg, spinner.TickMsg:
			case tea.BatchMsg:
				queue = append(queue, msg...)
			default:
				next, c := lm.Update(msg)
				lm = next.(loopModel)
				_ = lm.View()
				queue = append(queue, c)
			}
		}
	}
	send := func(msg tea.Msg) {
		next, c := lm.Update(msg)
		lm = next.(loopModel)
		_ = lm.View()
		drive(c)
	}
	drive(lm.Init())
	send(bgTimeout())
	for _, msg := range []tea.Msg{sizeMsg(100, 30), keyMsg("j"), keyMsg("j"), sizeMsg(140, 45),
		tea.BackgroundColorMsg{}, keyMsg("enter"), keyMsg("?"), keyMsg("k"), sizeMsg(80, 24),
		// The teaching views (issue 5): their calls run in Cmds too.
		keyMsg("w"), keyMsg("d"), keyMsg("v"), keyMsg("p"), keyMsg("s"), keyMsg("y"), keyMsg("z"), keyMsg("1"),
		keyMsg("enter"), sizeMsg(120, 40), keyMsg("esc"), keyMsg("j")} {
		send(msg)
	}
	if renders.Load() < 4 {
		t.Fatalf("only %d lesson renders: the hook is not on the render path", renders.Load())
	}
	if n := onLoop.Load(); n > 0 {
		t.Errorf("%d of %d glamour renders ran inside Update or View", n, renders.Load())
	}
	if ins.allCalls.Load() < 3 {
		t.Fatalf("only %d Insights calls: the teaching keys did not reach them", ins.allCalls.Load())
	}
	if n := ins.onLoopCalls.Load(); n > 0 {
		t.Errorf("%d of %d Insights calls ran inside Update or View", n, ins.allCalls.Load())
	}
}

func bgTimeout() tea.Msg { return bgTimeoutMsg{} }
