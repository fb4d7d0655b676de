package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/kmslab/kmslab/steps"
)

// maxEntries bounds the activity log; older entries scroll away for good.
const maxEntries = 400

// entry is one AWS call (start, then end) or one waiting/info note.
type entry struct {
	ev   steps.Event // the start event, or the note
	end  *steps.Event
	open bool // a call still in flight; the lab always emits its end, even on cancel
}

// activity is the log pane: entries, a scroll offset and whether it follows the tail.
type activity struct {
	entries []entry
	offset  int
	follow  bool
}

func newActivity() activity { return activity{follow: true} }

// add files one event: an end closes the newest open call that matches it.
func (a *activity) add(e steps.Event) {
	switch e.Phase {
	case steps.CallEnd:
		for i := len(a.entries) - 1; i >= 0; i-- {
			x := &a.entries[i]
			if x.open && x.ev.Step == e.Step && x.ev.Service == e.Service && x.ev.Operation == e.Operation && x.ev.As == e.As {
				ec := e
				x.end, x.open = &ec, false
				return
			}
		}
		ec := e
		a.entries = append(a.entries, entry{ev: e, end: &ec})
	case steps.CallStart:
		a.entries = append(a.entries, entry{ev: e, open: true})
	case steps.Waiting:
		// A wait repeats while it polls: keep one line per wait, updated.
		if n := len(a.entries); n > 0 && a.entries[n-1].ev.Phase == steps.Waiting && a.entries[n-1].ev.Step == e.Step {
			a.entries[n-1].ev = e
			return
		}
		a.entries = append(a.entries, entry{ev: e})
	default:
		a.entries = append(a.entries, entry{ev: e})
	}
	if len(a.entries) > maxEntries {
		a.entries = append([]entry(nil), a.entries[len(a.entries)-maxEntries:]...)
	}
}

// inFlight is true while some call has not come back.
func (a activity) inFlight() bool {
	for _, e := range a.entries {
		if e.open {
			return true
		}
	}
	return false
}

// height is how many lines the log has, without rendering it.
func (a activity) height() int {
	n := 0
	for _, x := range a.entries {
		n += x.height()
	}
	return n
}

func (x entry) height() int {
	if x.ev.Phase != steps.Waiting && x.ev.Phase != steps.Info && x.ev.CLI != "" {
		return 2
	}
	return 1
}

// lines renders the log, two lines per call (result, then the CLI command).
func (a activity) lines(st Styles, spin string) []string {
	return a.window(st, spin, 0, a.height())
}

// window renders only lines [from, from+n) of the log: a frame draws what shows, not the
// whole history.
func (a activity) window(st Styles, spin string, from, n int) []string {
	start := 0
	for start < len(a.entries) && from >= a.entries[start].height() {
		from -= a.entries[start].height()
		start++
	}
	var out []string
	for _, x := range a.entries[start:] {
		if len(out) >= from+n {
			break
		}
		e := x.ev
		switch e.Phase {
		case steps.Waiting:
			out = append(out, st.Propagating.Render("… "+e.Note+" ("+e.Elapsed.Round(100*time.Millisecond).String()+")"))
			continue
		case steps.Info:
			out = append(out, st.Dim.Render("i "+e.Note))
			continue
		}
		head := fmt.Sprintf("%s %s", e.Service, e.Operation)
		if e.Summary != "" {
			head += " " + e.Summary
		}
		if e.As != "" && e.As != "admin" && !strings.Contains(e.Summary, e.As) {
			head += " (as " + e.As + ")"
		}
		mark := "▸"
		if e.Check {
			mark = "·"
		}
		switch {
		case x.open:
			out = append(out, spin+" "+head)
		case x.end != nil && x.end.Failed():
			out = append(out, st.Failed.Render(mark+" "+head+" "+dur(x.end.Duration)+" ✗ "+errText(*x.end)))
		default:
			res := ""
			if x.end.Result != "" {
				res = " " + x.end.Result
			}
			out = append(out, mark+" "+head+" "+dur(x.end.Duration)+" "+st.Done.Render("✓")+st.Dim.Render(res))
		}
		if e.CLI != "" {
			out = append(out, st.Dim.Render("  $ "+e.CLI))
		}
	}
	return out[min(from, len(out)):min(from+n, len(out))]
}

func errText(e steps.Event) string {
	return strings.TrimSpace(strings.Trim(e.ErrCode+": "+e.ErrMessage, ": "))
}

func dur(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return d.Round(100 * time.Millisecond).String()
}
