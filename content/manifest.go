package content

import (
	_ "embed"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"sync"

	"github.com/goccy/go-yaml"
)

//go:embed lab.yaml
var manifestYAML []byte

// Hint is one cause's help, from a gentle nudge to the exact AWS CLI command(s). Nudge and
// Concept are plain text, one paragraph each (not markdown: a placeholder such as
// <your key ARN> would read as HTML there). Command is one or more lines, each an `aws `
// command, a `\` continuation of one, or a `# ` note on what to do by hand; a value to copy
// from an earlier output is written <LIKE_THIS>.
type Hint struct {
	Nudge, Concept, Command string
}

// Question is a quiz question; Answer indexes Choices.
type Question struct {
	Question    string
	Choices     []string
	Answer      int
	Explanation string
}

// Step is a lab step's teaching material. Hints are keyed by the engine's cause codes.
// Hints and Solution hold templates: read them with Step.Hint and Step.SolutionFor.
type Step struct {
	ID         string
	Title      string
	Minutes    int
	Objectives []string
	Lesson     string // file name under lessons/
	Hints      map[string]Hint
	Solution   []string
	Quiz       []Question
}

// Term is a glossary entry.
type Term struct{ Term, Definition string }

// Manifest is the lab: its steps in order, then the glossary.
type Manifest struct {
	FormatVersion int
	Steps         []Step
	Glossary      []Term
}

// The file's shape. Answer is a pointer so a question without one is caught, not read as 0.
type (
	fileManifest struct {
		FormatVersion int        `yaml:"format_version"`
		Steps         []fileStep `yaml:"steps"`
		Glossary      []fileTerm `yaml:"glossary"`
	}
	fileStep struct {
		ID         string              `yaml:"id"`
		Title      string              `yaml:"title"`
		Minutes    int                 `yaml:"minutes"`
		Objectives []string            `yaml:"objectives"`
		Lesson     string              `yaml:"lesson"`
		Hints      map[string]fileHint `yaml:"hints"`
		Solution   []string            `yaml:"solution"`
		Quiz       []fileQuestion      `yaml:"quiz"`
	}
	fileHint struct {
		Nudge   string `yaml:"nudge"`
		Concept string `yaml:"concept"`
		Command string `yaml:"command"`
	}
	fileQuestion struct {
		Question    string   `yaml:"question"`
		Choices     []string `yaml:"choices"`
		Answer      *int     `yaml:"answer"`
		Explanation string   `yaml:"explanation"`
	}
	fileTerm struct {
		Term       string `yaml:"term"`
		Definition string `yaml:"definition"`
	}
)

var loaded = sync.OnceValues(func() (*Manifest, error) { return parse(manifestYAML, lessonFiles) })

// Load returns the embedded manifest, parsed and validated once. Each call gets its own
// copy, so a caller may change it freely.
func Load() (*Manifest, error) {
	m, err := loaded()
	if err != nil {
		return nil, err
	}
	return m.clone(), nil
}

// parse decodes a manifest (unknown fields are errors) and validates it against the lessons
// in fsys.
func parse(data []byte, fsys fs.FS) (*Manifest, error) {
	var f fileManifest
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("content: lab manifest: %w", err)
	}
	m := &Manifest{FormatVersion: f.FormatVersion}
	var problems []string
	for i, st := range f.Steps {
		s := Step{ID: st.ID, Title: st.Title, Minutes: st.Minutes, Objectives: st.Objectives,
			Lesson: st.Lesson, Solution: st.Solution, Hints: map[string]Hint{}}
		for cause, h := range st.Hints {
			s.Hints[cause] = Hint(h)
		}
		for j, q := range st.Quiz {
			if q.Answer == nil {
				problems = append(problems, fmt.Sprintf("step %d (%s) quiz %d: no answer", i+1, st.ID, j+1))
				q.Answer = new(int)
			}
			s.Quiz = append(s.Quiz, Question{Question: q.Question, Choices: q.Choices, Answer: *q.Answer, Explanation: q.Explanation})
		}
		m.Steps = append(m.Steps, s)
	}
	for _, t := range f.Glossary {
		m.Glossary = append(m.Glossary, Term(t))
	}
	problems = append(problems, validate(m, fsys)...)
	if len(problems) > 0 {
		return nil, &ManifestError{Problems: problems}
	}
	return m, nil
}

// ManifestError lists everything wrong with a manifest at once, so an author fixes it in
// one go.
type ManifestError struct{ Problems []string }

func (e *ManifestError) Error() string {
	msg := fmt.Sprintf("content: lab manifest has %d problem(s):", len(e.Problems))
	for _, p := range e.Problems {
		msg += "\n  - " + p
	}
	return msg
}

// Step finds a step by id.
func (m *Manifest) Step(id string) (Step, bool) {
	for _, s := range m.Steps {
		if s.ID == id {
			return s, true
		}
	}
	return Step{}, false
}

// Hint returns the hint for a cause code with v filled in; false when the step has none.
func (s Step) Hint(cause string, v Vars) (Hint, bool) {
	h, ok := s.Hints[cause]
	if !ok {
		return Hint{}, false
	}
	name := s.ID + "/" + cause
	return Hint{
		Nudge:   renderOrRaw(name+"/nudge", h.Nudge, v),
		Concept: renderOrRaw(name+"/concept", h.Concept, v),
		Command: renderOrRaw(name+"/command", h.Command, v),
	}, true
}

// SolutionFor returns the step's solution commands with v filled in.
func (s Step) SolutionFor(v Vars) []string {
	out := make([]string, len(s.Solution))
	for i, c := range s.Solution {
		out[i] = renderOrRaw(fmt.Sprintf("%s/solution[%d]", s.ID, i), c, v)
	}
	return out
}

// renderOrRaw renders a manifest template. Load has rendered every one of them already, so
// failing here means a hand-built Step; the raw text is then better than nothing.
func renderOrRaw(name, text string, v Vars) string {
	out, err := render(name, text, v)
	if err != nil {
		return text
	}
	return out
}

func (m *Manifest) clone() *Manifest {
	c := &Manifest{FormatVersion: m.FormatVersion, Glossary: slices.Clone(m.Glossary)}
	for _, s := range m.Steps {
		s.Objectives = slices.Clone(s.Objectives)
		s.Hints = maps.Clone(s.Hints)
		s.Solution = slices.Clone(s.Solution)
		quiz := make([]Question, len(s.Quiz))
		for i, q := range s.Quiz {
			q.Choices = slices.Clone(q.Choices)
			quiz[i] = q
		}
		s.Quiz = quiz
		c.Steps = append(c.Steps, s)
	}
	return c
}
