package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/kmslab/kmslab/steps"
)

// TestPresentLabOnSandbox walks the whole lab in presenter mode on the sandbox: each
// step's pause, its run with the CLI commands of its calls, then revoke and grant again.
func TestPresentLabOnSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole lab")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tg, lab, pump := sandboxLab(t, ctx)
	m := New(Deps{Lab: lab, Target: tg, Events: pump, Lessons: fakeLessons(), NoColor: true, Context: ctx, Present: true})
	rt := newRuntime(t, ctx)
	rt.start(m.Init())
	m = rt.until(m, func(m Model) bool { return !m.busy })
	m = rt.send(m, sizeMsg(80, 24))
	for i, s := range steps.All() {
		if m.sel != i || m.pres.screen != presPause {
			t.Fatalf("before %s: sel %d screen %v", s.ID, m.sel, m.pres.screen)
		}
		m = rt.until(rt.send(m, keyMsg("enter")), func(m Model) bool { return !m.busy && !m.act.inFlight() })
		st := m.state[i]
		if st.err != nil || st.v == nil || st.v.Status != steps.Done {
			t.Fatalf("step %s: err %v verdict %+v\n%s", s.ID, st.err, st.v, screen(m))
		}
		if a := m.pres.calls[s.ID]; a == nil || len(a.entries) == 0 {
			t.Errorf("step %s: no calls recorded for the projector", s.ID)
		}
		if !strings.Contains(screen(m), "$ aws ") {
			t.Errorf("step %s: no CLI command on its screen:\n%s", s.ID, screen(m))
		}
		assertFits(t, m, 80, 24)
		if i < len(steps.All())-1 {
			m = rt.send(m, keyMsg("enter"))
		}
	}
	m = rt.until(rt.send(m, keyMsg("r")), func(m Model) bool { return !m.busy && m.pres.revoked != nil && !m.act.inFlight() })
	if o := m.pres.revoked; o.err != nil || !o.deniedAgain {
		t.Fatalf("revoke: %+v\n%s", o, screen(m))
	}
	t.Logf("after the revoke:\n%s", screen(m))
	if s := screen(m); !strings.Contains(s, "FAILED") || !strings.Contains(s, "ACCESS DENIED AGAIN") || !strings.Contains(s, "reads as "+lab.User+" are denied again") {
		t.Errorf("revoke screen:\n%s", s)
	}
	m = rt.until(rt.send(m, keyMsg("enter")), func(m Model) bool { return !m.busy && m.pres.revoked == nil && !m.act.inFlight() })
	t.Logf("granted again:\n%s", screen(m))
	if v := m.state[m.sel].v; v == nil || v.Status != steps.Done || !strings.Contains(screen(m), "ACCESS GRANTED") {
		t.Fatalf("grant again: %+v\n%s", v, screen(m))
	}
}
