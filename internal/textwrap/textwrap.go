// Package textwrap breaks plain text into lines of a given width for terminal output. A word
// longer than a line (an ARN, say) is cut after its last ':' or '/' that fits, where it
// reads best, else at the width.
package textwrap

import "strings"

// Lines wraps s at spaces into lines of at most width runes (width ≥ 1).
func Lines(s string, width int) []string {
	width = max(width, 1)
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		for len([]rune(w)) > width {
			if line != "" {
				lines, line = append(lines, line), ""
			}
			head, rest := split(w, width)
			lines, w = append(lines, head), rest
		}
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= width:
			line += " " + w
		default:
			lines, line = append(lines, line), w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// split cuts a long word after the last ':' or '/' in its second half that fits, else at width.
func split(w string, width int) (string, string) {
	r := []rune(w)
	cut := width
	for i := width - 1; i > width/2; i-- {
		if r[i] == ':' || r[i] == '/' {
			cut = i + 1
			break
		}
	}
	return string(r[:cut]), string(r[cut:])
}
