package content

import (
	"strings"
	"testing"
	"testing/fstest"
)

func loadT(t *testing.T) *Manifest {
	t.Helper()
	m, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestValidateCatches: each broken manifest is refused, naming what is wrong.
func TestValidateCatches(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(m *Manifest)
		want   string
	}{
		{"format version", func(m *Manifest) { m.FormatVersion = 2 }, "format_version is 2"},
		{"step missing", func(m *Manifest) { m.Steps = m.Steps[:5] }, "step ids are"},
		{"steps out of order", func(m *Manifest) { m.Steps[0], m.Steps[1] = m.Steps[1], m.Steps[0] }, "step ids are"},
		{"empty title", func(m *Manifest) { m.Steps[0].Title = "  " }, "step 1 (create-key) title is empty"},
		{"no minutes", func(m *Manifest) { m.Steps[1].Minutes = 0 }, "minutes is 0"},
		{"one objective", func(m *Manifest) { m.Steps[2].Objectives = m.Steps[2].Objectives[:1] }, "1 objectives"},
		{"five objectives", func(m *Manifest) {
			m.Steps[2].Objectives = append(m.Steps[2].Objectives, "a", "b", "c")
		}, "objectives; give 2 to 4"},
		{"empty objective", func(m *Manifest) { m.Steps[2].Objectives[0] = "" }, "objective 1 is empty"},
		{"lesson name", func(m *Manifest) { m.Steps[3].Lesson = "deny.md" }, `lesson is "deny.md"`},
		{"empty hint level", func(m *Manifest) {
			h := m.Steps[4].Hints["GRANT_MISSING"]
			h.Concept = ""
			m.Steps[4].Hints["GRANT_MISSING"] = h
		}, "hint GRANT_MISSING concept is empty"},
		{"cause code spelling", func(m *Manifest) { m.Steps[4].Hints["grant-missing"] = m.Steps[4].Hints["GRANT_MISSING"] }, "LIKE_THIS"},
		{"unknown field", func(m *Manifest) {
			h := m.Steps[4].Hints["GRANT_MISSING"]
			h.Command = "aws kms describe-key --key-id {{.KeyArn}}"
			m.Steps[4].Hints["GRANT_MISSING"] = h
		}, "KeyArn"},
		{"broken template", func(m *Manifest) { m.Steps[0].Solution[0] = "aws kms describe-key --key-id {{.Alias" }, "solution 1"},
		{"no solution", func(m *Manifest) { m.Steps[5].Solution = nil }, "no solution"},
		{"empty solution line", func(m *Manifest) { m.Steps[5].Solution[0] = "" }, "solution 1 is empty"},
		{"one question", func(m *Manifest) { m.Steps[0].Quiz = m.Steps[0].Quiz[:1] }, "1 quiz questions"},
		{"answer out of range", func(m *Manifest) { m.Steps[0].Quiz[0].Answer = len(m.Steps[0].Quiz[0].Choices) }, "is not the index of a choice"},
		{"negative answer", func(m *Manifest) { m.Steps[0].Quiz[1].Answer = -1 }, "answer -1"},
		{"two choices", func(m *Manifest) { m.Steps[1].Quiz[0].Choices = m.Steps[1].Quiz[0].Choices[:2] }, "2 choices"},
		{"repeated choice", func(m *Manifest) { q := &m.Steps[1].Quiz[0]; q.Choices[1] = q.Choices[0] }, "repeats an earlier one"},
		{"empty explanation", func(m *Manifest) { m.Steps[1].Quiz[1].Explanation = "" }, "explanation is empty"},
		{"template in plain text", func(m *Manifest) { m.Steps[1].Quiz[1].Question = "Is {{.Table}} encrypted?" }, "shown as is"},
		{"short glossary", func(m *Manifest) { m.Glossary = m.Glossary[:14] }, "glossary has 14 terms"},
		{"repeated term", func(m *Manifest) { m.Glossary[1].Term = strings.ToUpper(m.Glossary[0].Term) }, "term listed twice"},
		{"empty definition", func(m *Manifest) { m.Glossary[3].Definition = "" }, "definition is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := loadT(t)
			tc.mutate(m)
			problems := validate(m, lessonFiles)
			if !containsProblem(problems, tc.want) {
				t.Errorf("want a problem mentioning %q, got %q", tc.want, problems)
			}
		})
	}
}

// TestParseCatches: mistakes in the file itself, before validation.
func TestParseCatches(t *testing.T) {
	src := string(manifestYAML)
	cases := []struct{ name, from, to, want string }{
		{"unknown field", "    minutes: 10\n", "    minutes: 10\n    difficulty: hard\n", "difficulty"},
		{"missing answer", "        answer: 2\n", "", "no answer"},
		{"answer not a number", "        answer: 2\n", "        answer: two\n", "answer"},
		{"repeated cause", "      TABLE_NOT_ACTIVE:\n", "      TABLE_MISSING:\n", "TABLE_MISSING"},
		{"broken yaml", "steps:\n", "steps: [\n", "lab manifest"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(src, tc.from) {
				t.Fatalf("the manifest no longer has %q; update the test", tc.from)
			}
			_, err := parse([]byte(strings.Replace(src, tc.from, tc.to, 1)), lessonFiles)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want an error mentioning %q, got %v", tc.want, err)
			}
		})
	}
}

// TestValidateLessons: a lesson that is missing, does not render, or is not read is caught.
func TestValidateLessons(t *testing.T) {
	lessons := func() fstest.MapFS {
		fsys := fstest.MapFS{}
		for _, id := range lessonIDs {
			src, err := lessonSource(lessonFiles, id)
			if err != nil {
				t.Fatal(err)
			}
			fsys["lessons/"+id+".md"] = &fstest.MapFile{Data: []byte(src)}
		}
		return fsys
	}
	m := loadT(t)
	if problems := validate(m, lessons()); len(problems) > 0 {
		t.Fatalf("the copied lessons fail: %q", problems)
	}
	cases := []struct {
		name   string
		mutate func(fstest.MapFS)
		want   string
	}{
		{"missing", func(f fstest.MapFS) { delete(f, "lessons/wrap-up.md") }, "lesson wrap-up"},
		{"unknown field", func(f fstest.MapFS) { f["lessons/intro.md"].Data = []byte("# Hi `{{.Name}}`\n") }, "Name"},
		{"unclosed action", func(f fstest.MapFS) { f["lessons/intro.md"].Data = []byte("# Hi `{{.Alias`\n") }, "lesson intro"},
		{"literal braces", func(f fstest.MapFS) { f["lessons/cleanup.md"].Data = []byte(`# {{"{{"}}` + "\n") }, "left in it"},
		{"stray file", func(f fstest.MapFS) { f["lessons/extra.md"] = &fstest.MapFile{Data: []byte("# x\n")} }, "extra.md"},
		{"empty lesson", func(f fstest.MapFS) { f["lessons/add-items.md"].Data = []byte("\n") }, "lesson add-items is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := lessons()
			tc.mutate(fsys)
			if problems := validate(m, fsys); !containsProblem(problems, tc.want) {
				t.Errorf("want a problem mentioning %q, got %q", tc.want, problems)
			}
		})
	}
}

func containsProblem(problems []string, want string) bool {
	for _, p := range problems {
		if strings.Contains(p, want) {
			return true
		}
	}
	return false
}

// TestLoadGivesCopies: what one caller changes, the next does not see.
func TestLoadGivesCopies(t *testing.T) {
	a := loadT(t)
	a.Steps[0].Title = "changed"
	a.Steps[0].Objectives[0] = "changed"
	a.Steps[0].Quiz[0].Choices[0] = "changed"
	a.Steps[0].Solution[0] = "changed"
	delete(a.Steps[0].Hints, "ALIAS_MISSING")
	a.Glossary[0].Term = "changed"
	b := loadT(t)
	s := b.Steps[0]
	if s.Title == "changed" || s.Objectives[0] == "changed" || s.Quiz[0].Choices[0] == "changed" ||
		s.Solution[0] == "changed" || b.Glossary[0].Term == "changed" {
		t.Error("a change to one loaded manifest shows in the next")
	}
	if _, ok := s.Hints["ALIAS_MISSING"]; !ok {
		t.Error("a hint deleted from one loaded manifest is gone from the next")
	}
}

func TestStepLookupAndRendering(t *testing.T) {
	m := loadT(t)
	if _, ok := m.Step("no-such-step"); ok {
		t.Error("an unknown step id was found")
	}
	s, ok := m.Step("grant-access")
	if !ok {
		t.Fatal("no grant-access step")
	}
	v := exampleVars
	h, ok := s.Hint("GRANT_MISSING", v)
	if !ok {
		t.Fatal("no hint for GRANT_MISSING")
	}
	if !strings.Contains(h.Nudge, v.User) || !strings.Contains(h.Command, v.KeyARN) || !strings.Contains(h.Command, v.UserARN) {
		t.Errorf("the hint is not filled in: %+v", h)
	}
	if _, ok := s.Hint("NO_SUCH_CAUSE", v); ok {
		t.Error("a hint was found for an unknown cause")
	}
	sol := s.SolutionFor(v)
	if len(sol) != len(s.Solution) || !strings.Contains(strings.Join(sol, "\n"), v.Table) {
		t.Errorf("solution not filled in: %q", sol)
	}
	for _, c := range sol {
		if strings.Contains(c, "{{") {
			t.Errorf("solution line left unrendered: %q", c)
		}
	}
	// A hand-made step with a broken template still shows its text.
	broken := Step{ID: "x", Solution: []string{"aws kms describe-key --key-id {{.Alias"}}
	if got := broken.SolutionFor(v); got[0] != broken.Solution[0] {
		t.Errorf("a broken template gave %q", got[0])
	}
}

func TestManifestErrorListsAll(t *testing.T) {
	e := &ManifestError{Problems: []string{"first", "second"}}
	if msg := e.Error(); !strings.Contains(msg, "2 problem") || !strings.Contains(msg, "first") || !strings.Contains(msg, "second") {
		t.Errorf("error text %q", msg)
	}
}
