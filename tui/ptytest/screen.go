// Package ptytest runs kmslab in a pseudo-terminal and reads its screen back: Bubble Tea
// v2 sends cell diffs, so a test must replay the byte stream on a screen to see text.
// Screen is a small VT emulator (the sequences the renderer uses); Term drives a process.
package ptytest

import (
	"io"
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi"
)

// Screen is a w×h grid of cells that interprets the output of a terminal program. It
// answers the background-colour query (OSC 11) with black through reply, if any.
type Screen struct {
	mu     sync.Mutex
	w, h   int
	cells  [][]rune // 0 marks the right half of a wide character
	x, y   int
	wrap   bool // the last column was written: the next print wraps first
	top    int  // scroll region, inclusive rows
	bot    int
	sx, sy int // saved cursor
	last   rune
	parser *ansi.Parser
	reply  io.Writer
	// changed is signalled after each Write, so a waiter looks as soon as output arrives.
	changed chan struct{}
	// Bytes counts what was written.
	Bytes int
}

// NewScreen makes a blank screen; reply (the terminal's input) may be nil.
func NewScreen(w, h int, reply io.Writer) *Screen {
	s := &Screen{w: w, h: h, reply: reply, changed: make(chan struct{}, 1)}
	s.reset()
	s.parser = ansi.NewParser()
	s.parser.SetParamsSize(32)
	s.parser.SetDataSize(4096)
	s.parser.SetHandler(ansi.Handler{
		Print:     s.print,
		Execute:   s.execute,
		HandleCsi: s.csi,
		HandleEsc: s.esc,
		HandleOsc: s.osc,
	})
	return s
}

func (s *Screen) reset() {
	s.cells = make([][]rune, s.h)
	for i := range s.cells {
		s.cells[i] = blank(s.w)
	}
	s.x, s.y, s.wrap, s.top, s.bot = 0, 0, false, 0, s.h-1
}

// resize blanks the screen at the new size; the program repaints after SIGWINCH.
func (s *Screen) resize(w, h int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w, s.h = w, h
	s.reset()
}

func blank(w int) []rune {
	r := make([]rune, w)
	for i := range r {
		r[i] = ' '
	}
	return r
}

// Write feeds program output to the screen.
func (s *Screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.Bytes += len(p)
	s.parser.Parse(p)
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

// String is the screen's text, one line per row, trailing spaces cut.
func (s *Screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	lines := make([]string, s.h)
	for i, row := range s.cells {
		var b strings.Builder
		for _, r := range row {
			if r != 0 {
				b.WriteRune(r)
			}
		}
		lines[i] = strings.TrimRight(b.String(), " ")
	}
	return strings.Join(lines, "\n")
}

func (s *Screen) print(r rune) {
	w := ansi.StringWidth(string(r))
	if w == 0 {
		return // combining marks: not needed to read text
	}
	if s.wrap {
		s.x, s.wrap = 0, false
		s.lineFeed()
	}
	if s.x+w > s.w {
		s.x = 0
		s.lineFeed()
	}
	s.cells[s.y][s.x] = r
	if w == 2 && s.x+1 < s.w {
		s.cells[s.y][s.x+1] = 0
	}
	s.last = r
	s.x += w
	if s.x >= s.w {
		s.x, s.wrap = s.w-1, true
	}
}

func (s *Screen) execute(b byte) {
	switch b {
	case '\r':
		s.x, s.wrap = 0, false
	case '\n', '\v', '\f':
		s.wrap = false
		s.lineFeed()
	case '\b':
		s.x, s.wrap = max(s.x-1, 0), false
	case '\t':
		s.x = min((s.x/8+1)*8, s.w-1)
	}
}

// lineFeed moves down a row, scrolling the region at its bottom.
func (s *Screen) lineFeed() {
	if s.y == s.bot {
		s.scrollUp(1)
		return
	}
	s.y = min(s.y+1, s.h-1)
}

func (s *Screen) scrollUp(n int) {
	for range n {
		copy(s.cells[s.top:s.bot], s.cells[s.top+1:s.bot+1])
		s.cells[s.bot] = blank(s.w)
	}
}

func (s *Screen) scrollDown(n int) {
	for range n {
		copy(s.cells[s.top+1:s.bot+1], s.cells[s.top:s.bot])
		s.cells[s.top] = blank(s.w)
	}
}

func (s *Screen) moveTo(x, y int) {
	s.x, s.y, s.wrap = min(max(x, 0), s.w-1), min(max(y, 0), s.h-1), false
}

func (s *Screen) erase(y, from, to int) {
	for x := max(from, 0); x < min(to, s.w); x++ {
		s.cells[y][x] = ' '
	}
}

func (s *Screen) csi(cmd ansi.Cmd, p ansi.Params) {
	n := func(i, def int) int {
		v, _, _ := p.Param(i, def)
		if v <= 0 {
			return def
		}
		return v
	}
	if cmd.Final() == 'c' && cmd.Prefix() == 0 && s.reply != nil {
		// Primary device attributes: every terminal answers, and programs use the answer
		// to stop waiting for replies to queries a terminal may ignore.
		_, _ = io.WriteString(s.reply, "\x1b[?62;22c")
		return
	}
	if cmd.Prefix() != 0 || cmd.Intermediate() != 0 {
		if cmd.Prefix() == '?' && (cmd.Final() == 'h' || cmd.Final() == 'l') {
			p.ForEach(0, func(_, mode int, _ bool) {
				if mode == 1049 || mode == 47 || mode == 1047 {
					s.reset()
				}
			})
		}
		return
	}
	switch cmd.Final() {
	case 'H', 'f':
		s.moveTo(n(1, 1)-1, n(0, 1)-1)
	case 'A':
		s.moveTo(s.x, s.y-n(0, 1))
	case 'B', 'e':
		s.moveTo(s.x, s.y+n(0, 1))
	case 'C', 'a':
		s.moveTo(s.x+n(0, 1), s.y)
	case 'D':
		s.moveTo(s.x-n(0, 1), s.y)
	case 'E':
		s.moveTo(0, s.y+n(0, 1))
	case 'F':
		s.moveTo(0, s.y-n(0, 1))
	case 'G', '`':
		s.moveTo(n(0, 1)-1, s.y)
	case 'd':
		s.moveTo(s.x, n(0, 1)-1)
	case 'I':
		for range n(0, 1) {
			s.x = min((s.x/8+1)*8, s.w-1)
		}
	case 'Z':
		for range n(0, 1) {
			s.x = max((s.x-1)/8*8, 0)
		}
	case 'J':
		v, _, _ := p.Param(0, 0)
		switch v {
		case 0:
			s.erase(s.y, s.x, s.w)
			for y := s.y + 1; y < s.h; y++ {
				s.erase(y, 0, s.w)
			}
		case 1:
			s.erase(s.y, 0, s.x+1)
			for y := 0; y < s.y; y++ {
				s.erase(y, 0, s.w)
			}
		default:
			for y := range s.h {
				s.erase(y, 0, s.w)
			}
		}
	case 'K':
		v, _, _ := p.Param(0, 0)
		switch v {
		case 0:
			s.erase(s.y, s.x, s.w)
		case 1:
			s.erase(s.y, 0, s.x+1)
		default:
			s.erase(s.y, 0, s.w)
		}
		s.wrap = false
	case 'X':
		s.erase(s.y, s.x, s.x+n(0, 1))
	case '@':
		k := min(n(0, 1), s.w-s.x)
		row := s.cells[s.y]
		copy(row[s.x+k:], row[s.x:s.w-k])
		s.erase(s.y, s.x, s.x+k)
	case 'P':
		k := min(n(0, 1), s.w-s.x)
		row := s.cells[s.y]
		copy(row[s.x:], row[s.x+k:])
		s.erase(s.y, s.w-k, s.w)
	case 'L', 'M':
		if s.y < s.top || s.y > s.bot {
			return
		}
		top := s.top
		s.top = s.y
		if cmd.Final() == 'L' {
			s.scrollDown(min(n(0, 1), s.bot-s.y+1))
		} else {
			s.scrollUp(min(n(0, 1), s.bot-s.y+1))
		}
		s.top = top
		s.x = 0
	case 'S':
		s.scrollUp(n(0, 1))
	case 'T':
		s.scrollDown(n(0, 1))
	case 'b':
		for range n(0, 1) {
			s.print(s.last)
		}
	case 'r':
		top, bot := n(0, 1)-1, n(1, s.h)-1
		if top < bot && bot < s.h {
			s.top, s.bot = top, bot
			s.moveTo(0, 0)
		}
	case 's':
		s.sx, s.sy = s.x, s.y
	case 'u':
		s.moveTo(s.sx, s.sy)
	case 'n':
		if v, _, _ := p.Param(0, 0); v == 6 && s.reply != nil {
			_, _ = io.WriteString(s.reply, "\x1b["+itoa(s.y+1)+";"+itoa(s.x+1)+"R")
		}
	}
}

func (s *Screen) esc(cmd ansi.Cmd) {
	if cmd.Intermediate() != 0 {
		return // charset designations and the like
	}
	switch cmd.Final() {
	case '7':
		s.sx, s.sy = s.x, s.y
	case '8':
		s.moveTo(s.sx, s.sy)
	case 'D':
		s.lineFeed()
	case 'E':
		s.x = 0
		s.lineFeed()
	case 'M':
		if s.y == s.top {
			s.scrollDown(1)
		} else {
			s.moveTo(s.x, s.y-1)
		}
	case 'c':
		s.reset()
	}
}

// osc answers "what is your background colour?" as a black terminal would.
func (s *Screen) osc(cmd int, data []byte) {
	if cmd == 11 && strings.HasSuffix(string(data), "?") && s.reply != nil {
		_, _ = io.WriteString(s.reply, "\x1b]11;rgb:0000/0000/0000\x1b\\")
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
