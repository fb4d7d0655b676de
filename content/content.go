// Package content is what kmslab teaches: the lessons (markdown) and the lab manifest
// (titles, objectives, hints per cause code, solutions, quizzes, a glossary), embedded in
// the binary. It holds words only: no AWS calls, and it does not import the engine, so any
// front end can read it.
package content

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"text/template"
)

//go:embed lessons/*.md
var lessonFiles embed.FS

// lessonIDs is the reading order. The step ids in it are the engine's (steps.IDs plus
// "cleanup"); a test keeps the two in step, since content must not import the engine.
var lessonIDs = []string{"intro", "create-key", "encrypt-table", "add-items", "deny-user",
	"grant-access", "cleanup", "wrap-up"}

// stepIDs are the manifest's steps, in order.
var stepIDs = lessonIDs[1:7]

// LessonIDs lists the lessons in reading order.
func LessonIDs() []string { return slices.Clone(lessonIDs) }

// Vars fill the lessons', hints' and solutions' template fields. A field left empty renders
// as a readable placeholder such as "<your key ARN>".
type Vars struct {
	Prefix, Alias, Table, User, Account, Region, KeyARN, UserARN, Target string
}

// placeholders stand in for empty fields. Angle brackets make them look like something to
// replace, in prose and in a command alike.
var placeholders = Vars{
	Prefix:  "<your prefix>",
	Alias:   "<your key alias>",
	Table:   "<your table name>",
	User:    "<your test user>",
	Account: "<your account ID>",
	Region:  "<your Region>",
	KeyARN:  "<your key ARN>",
	UserARN: "<your test user ARN>",
	Target:  "<your target>",
}

// filled returns v with every blank field replaced by its placeholder.
func (v Vars) filled() Vars {
	pick := func(s, ph string) string {
		if strings.TrimSpace(s) == "" {
			return ph
		}
		return s
	}
	p := placeholders
	return Vars{
		Prefix: pick(v.Prefix, p.Prefix), Alias: pick(v.Alias, p.Alias), Table: pick(v.Table, p.Table),
		User: pick(v.User, p.User), Account: pick(v.Account, p.Account), Region: pick(v.Region, p.Region),
		KeyARN: pick(v.KeyARN, p.KeyARN), UserARN: pick(v.UserARN, p.UserARN), Target: pick(v.Target, p.Target),
	}
}

// render executes text as a template over v. An unknown field is an error (Vars is a
// struct), so a typo in a lesson cannot print "<no value>".
func render(name, text string, v Vars) (string, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, v.filled()); err != nil {
		return "", err
	}
	return b.String(), nil
}

// lessonSource reads a lesson's markdown template from fsys.
func lessonSource(fsys fs.FS, id string) (string, error) {
	raw, err := fs.ReadFile(fsys, "lessons/"+id+".md")
	if err != nil {
		return "", err
	}
	return string(raw), nil
}

// Lesson returns the lesson's markdown with v filled in. Ids are those of LessonIDs.
func Lesson(id string, v Vars) (string, error) {
	if !slices.Contains(lessonIDs, id) {
		return "", fmt.Errorf("content: no lesson %q (lessons: %s)", id, strings.Join(lessonIDs, ", "))
	}
	src, err := lessonSource(lessonFiles, id)
	if err != nil {
		return "", fmt.Errorf("content: lesson %s: %w", id, err)
	}
	out, err := render(id, src, v)
	if err != nil {
		return "", fmt.Errorf("content: lesson %s: %w", id, err)
	}
	return out, nil
}
