package content

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
)

// exampleVars fill every field, for checking that each template renders completely.
var exampleVars = Vars{
	Prefix:  "nextwork",
	Alias:   "alias/nextwork-kms-key",
	Table:   "nextwork-kms-table",
	User:    "nextwork-kms-user",
	Account: "111122223333",
	Region:  "us-east-1",
	KeyARN:  "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	UserARN: "arn:aws:iam::111122223333:user/nextwork-kms-user",
	Target:  "sandbox (offline)",
}

const manifestFormat = 1

// Bounds a step's teaching material keeps to.
const (
	minObjectives, maxObjectives = 2, 4
	minQuestions, maxQuestions   = 2, 3
	minChoices, maxChoices       = 3, 4
	minGlossary                  = 15
	maxMinutes                   = 120
)

var causePattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// validate lists what is wrong with m and the lessons in fsys; nothing when all is well.
func validate(m *Manifest, fsys fs.FS) []string {
	var p problems
	if m.FormatVersion != manifestFormat {
		p.add("format_version is %d; this kmslab reads %d", m.FormatVersion, manifestFormat)
	}
	var ids []string
	for _, s := range m.Steps {
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, stepIDs) {
		p.add("step ids are %v; they must be %v, in that order", ids, stepIDs)
	}
	for i, s := range m.Steps {
		validateStep(&p, fmt.Sprintf("step %d (%s)", i+1, s.ID), s, fsys)
	}
	if len(m.Glossary) < minGlossary {
		p.add("glossary has %d terms; it needs at least %d", len(m.Glossary), minGlossary)
	}
	seen := map[string]bool{}
	for i, t := range m.Glossary {
		where := fmt.Sprintf("glossary %d (%s)", i+1, t.Term)
		p.text(where+" term", t.Term)
		p.text(where+" definition", t.Definition)
		if k := strings.ToLower(strings.TrimSpace(t.Term)); seen[k] {
			p.add("%s: term listed twice", where)
		} else {
			seen[k] = true
		}
	}
	validateLessons(&p, fsys)
	return p
}

func validateStep(p *problems, where string, s Step, fsys fs.FS) {
	p.text(where+" title", s.Title)
	if s.Minutes < 1 || s.Minutes > maxMinutes {
		p.add("%s: minutes is %d; give an estimate from 1 to %d", where, s.Minutes, maxMinutes)
	}
	if n := len(s.Objectives); n < minObjectives || n > maxObjectives {
		p.add("%s: %d objectives; give %d to %d", where, n, minObjectives, maxObjectives)
	}
	for i, o := range s.Objectives {
		p.text(fmt.Sprintf("%s objective %d", where, i+1), o)
	}
	if s.Lesson != s.ID+".md" {
		p.add("%s: lesson is %q; it must be %q", where, s.Lesson, s.ID+".md")
	} else if _, err := fs.Stat(fsys, "lessons/"+s.Lesson); err != nil {
		p.add("%s: lesson file: %v", where, err)
	}
	for _, cause := range slices.Sorted(maps.Keys(s.Hints)) {
		h := s.Hints[cause]
		hw := where + " hint " + cause
		if !causePattern.MatchString(cause) {
			p.add("%s: a cause code is written LIKE_THIS", hw)
		}
		p.template(hw+" nudge", h.Nudge)
		p.template(hw+" concept", h.Concept)
		p.template(hw+" command", h.Command)
	}
	if len(s.Solution) == 0 {
		p.add("%s: no solution", where)
	}
	for i, c := range s.Solution {
		p.template(fmt.Sprintf("%s solution %d", where, i+1), c)
	}
	if n := len(s.Quiz); n < minQuestions || n > maxQuestions {
		p.add("%s: %d quiz questions; give %d to %d", where, n, minQuestions, maxQuestions)
	}
	for i, q := range s.Quiz {
		qw := fmt.Sprintf("%s quiz %d", where, i+1)
		p.text(qw+" question", q.Question)
		p.text(qw+" explanation", q.Explanation)
		if n := len(q.Choices); n < minChoices || n > maxChoices {
			p.add("%s: %d choices; give %d to %d", qw, n, minChoices, maxChoices)
		}
		for j, c := range q.Choices {
			p.text(fmt.Sprintf("%s choice %d", qw, j+1), c)
			if slices.Index(q.Choices, c) != j {
				p.add("%s: choice %d repeats an earlier one", qw, j+1)
			}
		}
		if q.Answer < 0 || q.Answer >= len(q.Choices) {
			p.add("%s: answer %d is not the index of a choice (0 to %d)", qw, q.Answer, len(q.Choices)-1)
		}
	}
}

// validateLessons renders every lesson, and rejects lesson files no id reads.
func validateLessons(p *problems, fsys fs.FS) {
	for _, id := range lessonIDs {
		src, err := lessonSource(fsys, id)
		if err != nil {
			p.add("lesson %s: %v", id, err)
			continue
		}
		p.template("lesson "+id, src)
	}
	files, _ := fs.Glob(fsys, "lessons/*")
	for _, f := range files {
		if id := strings.TrimSuffix(path.Base(f), ".md"); !slices.Contains(lessonIDs, id) || !strings.HasSuffix(f, ".md") {
			p.add("lesson file %s belongs to no lesson id", f)
		}
	}
}

type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// text checks a plain field: not blank, and no template action where none is rendered.
func (p *problems) text(where, s string) {
	switch {
	case strings.TrimSpace(s) == "":
		p.add("%s is empty", where)
	case strings.Contains(s, "{{"):
		p.add("%s has a template field, but it is shown as is", where)
	}
}

// template checks a template field: not blank, and it renders completely both with every
// field empty (placeholders) and with every field set.
func (p *problems) template(where, s string) {
	if strings.TrimSpace(s) == "" {
		p.add("%s is empty", where)
		return
	}
	for _, v := range []Vars{{}, exampleVars} {
		out, err := render(where, s, v)
		if err != nil {
			p.add("%s: %v", where, err)
			return
		}
		if left := leftover(out); left != "" {
			p.add("%s renders with %q left in it", where, left)
			return
		}
	}
}

// leftover returns a piece of template syntax or a missing-value marker found in rendered
// text, or "".
func leftover(out string) string {
	for _, bad := range []string{"{{", "<no value>"} {
		if strings.Contains(out, bad) {
			return bad
		}
	}
	return ""
}
