package tui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

// runtime is a small stand-in for the Bubble Tea runtime: it runs each Cmd on its own
// goroutine (the event pump blocks until events come) and feeds the messages through
// Update one at a time. One runtime serves the whole test so no message is lost between
// waits.
type runtime struct {
	t    *testing.T
	ctx  context.Context
	msgs chan tea.Msg
}

func newRuntime(t *testing.T, ctx context.Context) *runtime {
	return &runtime{t: t, ctx: ctx, msgs: make(chan tea.Msg, 64)}
}

func (r *runtime) start(c tea.Cmd) {
	if c == nil {
		return
	}
	go func() {
		msg := c()
		select {
		case r.msgs <- msg:
		case <-r.ctx.Done():
		}
	}()
}

// send delivers msg through Update and starts the Cmd it returns.
func (r *runtime) send(m Model, msg tea.Msg) Model {
	next, c := m.Update(msg)
	r.start(c)
	return next.(Model)
}

// until handles messages until cond(m) holds.
func (r *runtime) until(m Model, cond func(Model) bool) Model {
	r.t.Helper()
	// A guard against a hang, not a timing assertion.
	guard := time.After(2 * time.Minute)
	for !cond(m) {
		select {
		case msg := <-r.msgs:
			switch msg := msg.(type) {
			case nil, spinner.TickMsg:
			case tea.BatchMsg:
				for _, c := range msg {
					r.start(c)
				}
			default:
				m = r.send(m, msg)
			}
		case <-guard:
			r.t.Fatalf("gave up waiting; view:\n%s", screen(m))
		}
	}
	return m
}

// sandboxLab opens an in-process sandbox on a temporary directory and a lab on it whose
// events feed a pump, as cmd/kmslab wires the app.
func sandboxLab(t *testing.T, ctx context.Context) (*target.Target, *steps.Lab, *Pump) {
	t.Helper()
	tg, err := target.Open(ctx, target.Options{Kind: target.Sandbox, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tg.Close() })
	pump := NewPump()
	lab, err := steps.New(tg, steps.Options{Emit: pump.Emit})
	if err != nil {
		t.Fatal(err)
	}
	return tg, lab, pump
}

func TestLabOnSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole lab")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tg, lab, pump := sandboxLab(t, ctx)
	var mu sync.Mutex
	saved := map[string]steps.Status{}
	m := New(Deps{Lab: lab, Target: tg, Events: pump, Lessons: fakeLessons(), NoColor: true, Context: ctx,
		Save: func(id string, v steps.Verdict) { mu.Lock(); saved[id] = v.Status; mu.Unlock() }})
	rt := newRuntime(t, ctx)
	rt.start(m.Init())
	m = rt.until(m, func(m Model) bool { return !m.busy })
	m = rt.until(rt.send(m, sizeMsg(120, 36)), func(m Model) bool { return len(m.lessons) > 0 })
	if m.sel != 0 {
		t.Fatalf("fresh sandbox: selected %d, want the first step", m.sel)
	}
	if !strings.Contains(screen(m), "sandbox") || !strings.Contains(screen(m), "account "+tg.Account) {
		t.Errorf("header lacks the target:\n%s", screen(m))
	}
	for i, s := range steps.All() {
		if m.sel != i {
			m = rt.send(m, keyMsg("j"))
		}
		m = rt.until(rt.send(m, keyMsg("enter")), func(m Model) bool { return !m.busy })
		st := m.state[i]
		if st.err != nil || st.v == nil || st.v.Status != steps.Done {
			t.Fatalf("step %s: err %v verdict %+v\n%s", s.ID, st.err, st.v, screen(m))
		}
		assertFits(t, m, 120, 36)
	}
	// The events of the runs reach the activity pane through the pump, denial included.
	m = rt.until(m, func(m Model) bool {
		for _, e := range m.act.entries {
			if e.end != nil && e.ev.Step == steps.DenyUser && e.ev.Operation == "Scan" && e.end.Failed() {
				return true
			}
		}
		return false
	})
	m = rt.until(m, func(m Model) bool { return !m.act.inFlight() })
	for _, e := range m.act.entries {
		if e.ev.Phase == steps.CallEnd {
			t.Errorf("end event without its start: %+v", e.ev)
		}
	}
	if !strings.Contains(screen(m), "5/5") {
		t.Errorf("progress not 5/5:\n%s", screen(m))
	}
	m = rt.send(m, keyMsg("k"))
	if !strings.Contains(screen(m), "Access denied to kms:Decrypt") {
		t.Errorf("deny-user verdict has no denial box:\n%s", screen(m))
	}
	// Save runs in Cmds, so it is read under a lock once every step was saved done.
	m = rt.until(m, func(Model) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range steps.All() {
			if saved[s.ID] != steps.Done {
				return false
			}
		}
		return true
	})
}
