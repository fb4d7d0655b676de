package steps

import "strings"

// DiffLine is one line of a line diff: Op is ' ' (same), '+' (added) or '-' (removed).
type DiffLine struct {
	Op   byte
	Text string
}

// Diff compares two texts line by line (longest common subsequence): enough for key
// policies, which are a few dozen lines.
func Diff(before, after string) []DiffLine {
	a, b := strings.Split(before, "\n"), strings.Split(after, "\n")
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []DiffLine
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, DiffLine{' ', a[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, DiffLine{'-', a[i]})
			i++
		default:
			out = append(out, DiffLine{'+', b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, DiffLine{'-', a[i]})
	}
	for ; j < m; j++ {
		out = append(out, DiffLine{'+', b[j]})
	}
	return out
}

// DiffText renders a diff with "+ ", "- " and "  " prefixes.
func DiffText(d []DiffLine) string {
	var b strings.Builder
	for i, l := range d {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteByte(l.Op)
		b.WriteByte(' ')
		b.WriteString(l.Text)
	}
	return b.String()
}
