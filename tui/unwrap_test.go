package tui

import "testing"

func TestUnwrapMarkdown(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"one\ntwo\n\nthree", "one two\n\nthree"},
		{"- item that\n  goes on\n- next", "- item that goes on\n- next"},
		{"1. first\n   more\n2. second", "1. first more\n2. second"},
		{"# Title\ntext\nmore", "# Title\ntext more"},
		{"```\na\nb\n```\nx\ny", "```\na\nb\n```\nx y"},
		{"hard  \nbreak", "hard  \nbreak"},
		{"| a | b |\n| - | - |", "| a | b |\n| - | - |"},
		{"text\n> quote", "text\n> quote"},
		{"para\n\n    code\n    more", "para\n\n    code\n    more"},
	} {
		if got := unwrapMarkdown(tc.in); got != tc.want {
			t.Errorf("unwrap(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
