package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kmslab/kmslab/steps"
)

// printer writes the plain, line-by-line story of a lab command: one line per AWS call with
// its AWS CLI equivalent. Styles are dropped when the output is not a terminal or NO_COLOR
// is set, so scripts and screen readers get plain text.
type printer struct {
	mu      sync.Mutex
	w       io.Writer
	errW    io.Writer
	verbose bool
	// checks counts the read-only calls of checks not shown (without --verbose).
	checks int

	ok, bad, dim, head, warnS lipgloss.Style
}

func newPrinter(stdout, stderr io.Writer) *printer {
	p := &printer{
		w:     colorWriter(stdout),
		errW:  colorWriter(stderr),
		ok:    lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
		bad:   lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
		dim:   lipgloss.NewStyle().Faint(true),
		head:  lipgloss.NewStyle().Bold(true),
		warnS: lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
	}
	return p
}

// colorWriter strips escape codes for anything that is not a colour terminal, and for
// NO_COLOR set to any value.
func colorWriter(w io.Writer) io.Writer {
	cw := colorprofile.NewWriter(w, os.Environ())
	if os.Getenv("NO_COLOR") != "" {
		cw.Profile = colorprofile.NoTTY
	}
	return cw
}

func (p *printer) line(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, s)
}

func (p *printer) warn(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.errW, p.warnS.Render("warning: ")+s)
}

func (p *printer) header(s string) { p.line(p.head.Render(s)) }

// event prints the end of each AWS call, the waits and the remarks.
func (p *printer) event(e steps.Event) {
	switch e.Phase {
	case steps.CallEnd:
		if e.Check && !p.verbose {
			p.mu.Lock()
			p.checks++
			p.mu.Unlock()
			return
		}
		mark, rest := p.ok.Render("ok    "), e.Result
		switch {
		case e.ErrCode == "AccessDeniedException":
			// Shown as a denial, not a breakdown: in step 4 it is the point of the lab.
			mark = p.bad.Render("denied")
			rest = e.ErrCode + ": " + e.ErrMessage
		case e.Failed():
			mark = p.bad.Render("error ")
			rest = e.ErrCode + ": " + e.ErrMessage
			if e.ErrCode == "" {
				rest = e.ErrMessage
			}
		}
		if e.Check {
			mark = p.dim.Render("read  ")
		}
		p.line(fmt.Sprintf("  %s %6s  %s", mark, ms(e.Duration), e.CLI) + p.dim.Render("  → "+oneLine(rest)))
		if e.Detail != "" && p.verbose {
			for _, l := range strings.Split(e.Detail, "\n") {
				p.line("                 " + p.dim.Render(l))
			}
		}
	case steps.Waiting:
		line := fmt.Sprintf("  wait   %6s  %s", ms(e.Elapsed), e.Note)
		if e.Result != "" {
			line += p.dim.Render(" (last answer: " + e.Result + ")")
		}
		p.line(line)
	case steps.Info:
		p.line("  note           " + e.Note)
	}
}

// verdict prints a step's outcome in words, after how many read-only calls checked it.
func (p *printer) verdict(v steps.Verdict) {
	p.mu.Lock()
	n := p.checks
	p.checks = 0
	p.mu.Unlock()
	if n > 0 {
		p.line(p.dim.Render(fmt.Sprintf("  (checked with %d read-only call(s); --verbose shows them)", n)))
	}
	p.line("  " + p.status(v))
}

// status is a verdict in one line: status, cause, sentence.
func (p *printer) status(v steps.Verdict) string {
	word := string(v.Status)
	style := p.bad
	switch v.Status {
	case steps.Done:
		style = p.ok
	case steps.CannotDemonstrate, steps.Propagating:
		style = p.warnS
	}
	cause := ""
	if v.Cause != "" {
		cause = " [" + v.Cause + "]"
	}
	return style.Render("=> "+word+cause) + " " + v.Detail
}

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.0fs", d.Seconds())
	}
	if d >= time.Second {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
