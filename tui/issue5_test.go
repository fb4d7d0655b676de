package tui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kmslab/kmslab/content"
	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

// fakeInsights answers with fixed text and counts its calls; onLoop, when set, says
// whether a call came from inside Update or View.
type fakeInsights struct {
	mu                    sync.Mutex
	why, admin, user, pk  string
	err                   error
	calls                 []string
	onLoop                *atomic.Bool
	onLoopCalls, allCalls atomic.Int32
}

func (f *fakeInsights) note(name string) {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	f.mu.Unlock()
	f.allCalls.Add(1)
	if f.onLoop != nil && f.onLoop.Load() {
		f.onLoopCalls.Add(1)
	}
}

func (f *fakeInsights) Explain(ctx context.Context) (string, error) {
	f.note("explain")
	return f.why, f.err
}

func (f *fakeInsights) ViewAs(ctx context.Context) (string, string, error) {
	f.note("viewas")
	return f.admin, f.user, f.err
}

func (f *fakeInsights) Peek(ctx context.Context) (string, error) {
	f.note("peek")
	return f.pk, f.err
}

func (f *fakeInsights) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == name {
			n++
		}
	}
	return n
}

// whyText is shaped like the engine's explanation: ≤ 78 columns, indented, ARNs whole.
const whyText = `Why nextwork-kms-user cannot read nextwork-kms-table

KMS decides kms:Decrypt for
  arn:aws:iam::000000000000:user/nextwork-kms-user
on
  arn:aws:kms:us-east-1:000000000000:key/0f0e0d0c-0b0a-4908-8706-050403020100

1. Identity policies (IAM)
   AmazonDynamoDBFullAccess
     KMS actions it allows: kms:DescribeKey, kms:ListAliases
     allows kms:Decrypt: no
2. Key policy
   "Enable IAM User Permissions" names the account root: it hands the
   question to IAM, and no IAM policy allows kms:Decrypt.
   "Allow use of the key" does not name nextwork-kms-user.
3. Decision: implicit deny
   Nothing allows kms:Decrypt, so KMS refuses it and DynamoDB cannot
   decrypt the table key for the Scan.`

const (
	adminRead = "Scan nextwork-kms-table: 3 item(s)\nid=customer-001 · name=Ada Park · plan=pro\nid=customer-002 · name=Ben Osei · plan=free\nid=customer-003 · name=Chen Li · plan=team"
	userRead  = "Scan nextwork-kms-table: AccessDeniedException\nUser: " + goldenUser + " is not authorized to perform: kms:Decrypt on resource: " + goldenKey
	peekText  = "customer-001 as stored:\n00000000  9c 1f 42 aa 07 e3 5b 10  |..B...[.|\nas the admin reads it:\nname=Ada Park · plan=pro"
)

func newInsights() *fakeInsights {
	return &fakeInsights{why: whyText, admin: adminRead, user: userRead, pk: peekText}
}

// policyDoc is a key policy whose "Allow use of the key" names users.
func policyDoc(users ...string) string {
	lines := []string{`{`, `  "Version": "2012-10-17",`, `  "Statement": [`, `    {`,
		`      "Sid": "Enable IAM User Permissions",`, `      "Effect": "Allow",`,
		`      "Principal": {`, `        "AWS": "arn:aws:iam::000000000000:root"`, `      },`,
		`      "Action": "kms:*",`, `      "Resource": "*"`, `    },`, `    {`,
		`      "Sid": "Allow use of the key",`, `      "Effect": "Allow",`, `      "Principal": {`,
		`        "AWS": [`, `          "arn:aws:iam::000000000000:user/admin"` + map[bool]string{true: ",", false: ""}[len(users) > 0]}
	for i, u := range users {
		sep := ","
		if i == len(users)-1 {
			sep = ""
		}
		lines = append(lines, `          "`+u+`"`+sep)
	}
	lines = append(lines, `        ]`, `      },`, `      "Action": [`, `        "kms:Encrypt",`, `        "kms:Decrypt",`,
		`        "kms:ReEncrypt*",`, `        "kms:GenerateDataKey*",`, `        "kms:DescribeKey"`, `      ],`,
		`      "Resource": "*"`, `    }`, `  ]`, `}`)
	return strings.Join(lines, "\n")
}

func grantNotes() map[string]string {
	return map[string]string{steps.NotePolicyBefore: policyDoc(), steps.NotePolicyAfter: policyDoc(goldenUser)}
}

var fakeQuiz = []content.Question{
	{Question: "What does AWS KMS keep for you?", Choices: []string{"Your table items", "Encryption keys, used on your behalf", "Backups"},
		Answer: 1, Explanation: "KMS holds keys and does the cryptography with them; the data stays in DynamoDB."},
	{Question: "Which policy must allow kms:Decrypt for the test user here?", Choices: []string{"Only an IAM policy", "Only a tag", "The key policy (directly or by delegating to IAM)", "None"},
		Answer: 2, Explanation: "Every KMS key has a key policy; without its allow (or its root statement handing the question to IAM) no one may use the key."},
}

// quizScores records what SaveQuiz was given.
type quizScores struct {
	mu  sync.Mutex
	got []string
}

// insightModel is a fresh lab (the golden one) with every issue 5 source wired to fakes.
func insightModel(t *testing.T, ins Insights, notes map[string]string, scores *quizScores, w, h int) Model {
	t.Helper()
	return insightModelLab(t, newFakeLab(), ins, notes, scores, w, h)
}

func insightModelLab(t *testing.T, f *fakeLab, ins Insights, notes map[string]string, scores *quizScores, w, h int) Model {
	t.Helper()
	d := Deps{Steps: f.steps(), Lessons: fakeLessons(), NoColor: true, Now: fixedNow, Target: goldenTarget, Prefix: "nextwork",
		Insights: ins,
		Notes:    func() map[string]string { return notes },
		Solutions: SolutionFunc(func(id string) ([]string, bool) {
			return []string{"aws kms create-key --description \"kmslab lab key\"", "aws kms create-alias --alias-name alias/nextwork-kms-key \\\n  --target-key-id <KEY_ID>"}, id == steps.CreateKey
		}),
		Quizzes: QuizFunc(func(id string) ([]content.Question, bool) { return fakeQuiz, id == steps.CreateKey }),
	}
	if scores != nil {
		d.SaveQuiz = func(step string, score, total int) {
			scores.mu.Lock()
			scores.got = append(scores.got, step+" "+itoa(score)+"/"+itoa(total))
			scores.mu.Unlock()
		}
	}
	m := New(d)
	m, _ = settle(t, m, m.Init())
	m, _ = send(t, m, sizeMsg(w, h))
	return m
}

// flat is the screen with runs of spaces and box sides squeezed, to find wrapped text.
func flat(s string) string {
	s = strings.NewReplacer("│", " ", "┌", " ", "┐", " ", "└", " ", "┘", " ", "─", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

func TestWhyKey(t *testing.T) {
	m := insightModel(t, nil, nil, nil, 80, 24)
	m = press(t, m, "w")
	if !strings.Contains(screen(m), "not available here") {
		t.Fatalf("w without Insights:\n%s", screen(m))
	}
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		ins := newInsights()
		m = insightModel(t, ins, nil, nil, sz[0], sz[1])
		// The Cmd has not run yet: the pane says it is working, and nothing was called.
		next, cmd := m.Update(keyMsg("w"))
		m = next.(Model)
		if cmd == nil || !strings.Contains(screen(m), "Working out why…") || ins.count("explain") != 0 {
			t.Fatalf("%v: w should start a Cmd and show it is working:\n%s", sz, screen(m))
		}
		m, _ = settle(t, m, cmd)
		out := screen(m)
		if !strings.Contains(out, "┌ Why ") || !strings.Contains(out, "AmazonDynamoDBFullAccess") {
			t.Errorf("%v: no explanation on screen:\n%s", sz, out)
		}
		body := flat(strings.Join(m.resultBody(m.layout().rightW-2), "\n"))
		for _, want := range []string{"kms:DescribeKey, kms:ListAliases", "Decision: implicit deny", "arn:aws:iam::000000000000:user/nextwork-kms-user"} {
			if !strings.Contains(body, want) {
				t.Errorf("%v: why lacks %q:\n%s", sz, want, out)
			}
		}
		assertFits(t, m, sz[0], sz[1])
		// Focus the result pane and scroll to the end of the explanation.
		m = press(t, m, "tab", "tab", "tab")
		for range 10 {
			m = press(t, m, "pgdown")
		}
		if !strings.Contains(flat(screen(m)), "decrypt the table key for the Scan.") {
			t.Errorf("%v: the end of the explanation is out of reach:\n%s", sz, screen(m))
		}
		assertFits(t, m, sz[0], sz[1])
		m = press(t, m, "w")
		if strings.Contains(screen(m), "┌ Why ") {
			t.Errorf("%v: w again did not close the view", sz)
		}
	}
	// An error is shown, not swallowed.
	bad := newInsights()
	bad.err = errors.New("iam: GetUser: throttled")
	m = press(t, insightModel(t, bad, nil, nil, 80, 24), "w")
	if !strings.Contains(screen(m), "Could not explain: iam: GetUser: throttled") {
		t.Errorf("error not shown:\n%s", screen(m))
	}
}

// TestLateInsightDropped: an answer for a view closed (or replaced) meanwhile is dropped.
func TestLateInsightDropped(t *testing.T) {
	m := insightModel(t, newInsights(), nil, nil, 100, 30)
	next, whyCmd := m.Update(keyMsg("w"))
	next, _ = next.(Model).Update(keyMsg("v")) // view-as replaces why before why answers
	m, _ = settle(t, next.(Model), whyCmd)
	if m.panel.kind != panelViewAs || !m.panel.loading || strings.Contains(screen(m), "implicit deny") {
		t.Errorf("a late explanation landed in the view-as pane:\n%s", screen(m))
	}
}

func TestDiffKey(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		m := press(t, insightModel(t, nil, grantNotes(), nil, sz[0], sz[1]), "d")
		out := screen(m)
		if !strings.Contains(out, "┌ Key policy diff ") || !strings.Contains(resultText(m), "after the grant: 2 line(s) added (+), 1 removed (-)") {
			t.Errorf("%v: diff head:\n%s", sz, out)
		}
		var added, removed []string
		for _, l := range m.resultBody(m.layout().rightW - 2) {
			switch {
			case strings.HasPrefix(l, "+ "):
				added = append(added, l)
			case strings.HasPrefix(l, "- "):
				removed = append(removed, l)
			}
		}
		if !strings.Contains(strings.Join(added, ""), "nextwork-kms-user") || len(removed) != 1 ||
			!strings.Contains(removed[0], "user/admin\"") {
			t.Errorf("%v: added %q, removed %q", sz, added, removed)
		}
		if !strings.Contains(out, "unchanged line(s)") {
			t.Errorf("%v: the unchanged start of the policy is not folded:\n%s", sz, out)
		}
		assertFits(t, m, sz[0], sz[1])
	}
	// After a revoke the user's lines go.
	revoke := map[string]string{steps.NotePolicyBefore: policyDoc(goldenUser), steps.NotePolicyAfter: policyDoc()}
	m := press(t, insightModel(t, nil, revoke, nil, 120, 40), "d")
	body := strings.Join(m.resultBody(m.layout().rightW-2), "\n")
	if !strings.Contains(body, "after the revoke") || !strings.Contains(body, "- ") || !strings.Contains(body, "-           \"arn:aws:iam::000000000000:user/nextwork-kms-user\"") {
		t.Errorf("revoke diff:\n%s", body)
	}
	// The user was named already: no change, and the policy shows whole.
	m = press(t, insightModel(t, nil, map[string]string{steps.NotePolicyAfter: policyDoc(goldenUser)}, nil, 120, 40), "d")
	if body := resultText(m); !strings.Contains(body, "did not change: it already named the test user") ||
		strings.Contains(body, "unchanged line(s)") || !strings.Contains(body, "user/nextwork-kms-user") {
		t.Errorf("no-change diff:\n%s", body)
	}
	// No notes yet: say what makes one.
	m = press(t, insightModel(t, nil, map[string]string{}, nil, 80, 24), "d")
	if !strings.Contains(resultText(m), "No key-policy change yet. Run step 5") {
		t.Errorf("empty diff:\n%s", screen(m))
	}
}

// TestDiffColours: with colour the signs stay and the lines are styled (green, red).
func TestDiffColours(t *testing.T) {
	m := New(Deps{Steps: newFakeLab().steps()})
	add := m.diffLine(steps.DiffLine{Op: '+', Text: `"arn:aws:iam::000000000000:user/u"`}, 60)
	del := m.diffLine(steps.DiffLine{Op: '-', Text: `"x"`}, 60)
	same := m.diffLine(steps.DiffLine{Op: ' ', Text: `"y"`}, 60)
	if !strings.Contains(add[0], "\x1b[") || !strings.Contains(del[0], "\x1b[") || add[0] == del[0] {
		t.Errorf("not coloured: %q %q", add, del)
	}
	if add[0] == m.st.Failed.Render(strings.TrimSpace(add[0])) {
		t.Error("added line in the removed colour")
	}
	plain := func(s string) string { return strings.TrimRight(stripANSI(s), " ") }
	if plain(add[0]) != `+ "arn:aws:iam::000000000000:user/u"` || plain(del[0]) != `- "x"` || plain(same[0]) != `  "y"` {
		t.Errorf("signs: %q %q %q", plain(add[0]), plain(del[0]), plain(same[0]))
	}
	// A wrapped added line keeps its sign on every part.
	for _, l := range m.diffLine(steps.DiffLine{Op: '+', Text: `          "arn:aws:iam::000000000000:user/nextwork-kms-user",`}, 30) {
		if !strings.HasPrefix(stripANSI(l), "+ ") || lipgloss.Width(l) > 30 {
			t.Errorf("wrapped part %q", stripANSI(l))
		}
	}
}

func TestViewAsKey(t *testing.T) {
	ins := newInsights()
	// Side by side from 100 columns.
	m := press(t, insightModel(t, ins, nil, nil, 120, 40), "v")
	side := false
	for _, l := range strings.Split(screen(m), "\n") {
		if strings.Contains(l, "As the admin") && strings.Contains(l, "As the test user") {
			side = true
		}
	}
	if !side || !strings.Contains(screen(m), "AccessDeniedException") || !strings.Contains(screen(m), "name=Chen Li") {
		t.Errorf("120 columns: not side by side:\n%s", screen(m))
	}
	assertFits(t, m, 120, 40)
	// Stacked below: the admin first, then the user.
	m = press(t, insightModel(t, ins, nil, nil, 80, 24), "tab", "tab", "tab", "v")
	var body []string
	for range 6 {
		body = append(body, screen(m))
		m = press(t, m, "pgdown")
	}
	all := strings.Join(body, "\n")
	a, u := strings.Index(all, "As the admin"), strings.Index(all, "As the test user")
	if a < 0 || u < a {
		t.Errorf("80 columns: not stacked admin then user:\n%s", all)
	}
	for _, l := range strings.Split(all, "\n") {
		if strings.Contains(l, "As the admin") && strings.Contains(l, "As the test user") {
			t.Errorf("80 columns: side by side: %q", l)
		}
	}
	assertFits(t, m, 80, 24)
	if ins.count("viewas") != 2 {
		t.Errorf("ViewAs called %d times, want 2", ins.count("viewas"))
	}
}

func TestPeekKey(t *testing.T) {
	ins := newInsights()
	m := press(t, insightModel(t, ins, nil, nil, 80, 24), "p")
	if !strings.Contains(screen(m), "9c 1f 42 aa") || ins.count("peek") != 1 {
		t.Errorf("sandbox peek:\n%s", screen(m))
	}
	assertFits(t, m, 80, 24)
	// Elsewhere nothing is called and the pane says why.
	m = insightModel(t, ins, nil, nil, 120, 40)
	m.deps.Target = &target.Target{Kind: target.AWS, Label: "AWS", Account: "123456789012", Region: "eu-west-1"}
	m = press(t, m, "p")
	if ins.count("peek") != 1 || !strings.Contains(resultText(m), "sandbox only: it can show the bytes it stores. AWS gives no one") {
		t.Errorf("peek on AWS (calls %d):\n%s", ins.count("peek"), screen(m))
	}
	assertFits(t, m, 120, 40)
}

func TestSolutionKey(t *testing.T) {
	f := newFakeLab()
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		m := insightModelLab(t, f, nil, nil, nil, sz[0], sz[1])
		m = press(t, m, "s")
		out := flat(screen(m))
		if !strings.Contains(out, "Show the solution") || !strings.Contains(out, "y show it n not now") || strings.Contains(out, "aws kms create-key") {
			t.Fatalf("%v: s should ask first:\n%s", sz, screen(m))
		}
		assertFits(t, m, sz[0], sz[1])
		// Keys other than the answer wait (enter does not run the step behind the question).
		m = press(t, m, "enter", "j", "n")
		if len(f.runs) != 0 || m.sel != 0 || m.panel.kind != panelNone {
			t.Fatalf("%v: keys acted behind the question (runs %v, sel %d, panel %v)", sz, f.runs, m.sel, m.panel.kind)
		}
		if strings.Contains(screen(m), "aws kms create-key") {
			t.Fatalf("%v: n showed the solution", sz)
		}
		m = press(t, m, "s", "y")
		out = screen(m)
		if !strings.Contains(out, "aws kms create-key --description") || !strings.Contains(out, "--target-key-id <KEY_ID>") {
			t.Errorf("%v: y did not show the solution:\n%s", sz, out)
		}
		assertFits(t, m, sz[0], sz[1])
		// The solution is the selected step's: moving on closes it.
		m = press(t, m, "j")
		if strings.Contains(screen(m), "aws kms create-key") {
			t.Errorf("%v: solution kept after selecting step 2", sz)
		}
		m = press(t, m, "s", "y")
		if !strings.Contains(screen(m), "no written solution") {
			t.Errorf("%v: step without solution:\n%s", sz, screen(m))
		}
	}
}

// TestContentSolutionsAndQuizzes: the manifest adapters serve every step's solution with
// the lab's names, and every quiz question can be answered with 1–4.
func TestContentSolutionsAndQuizzes(t *testing.T) {
	man, err := content.Load()
	if err != nil {
		t.Fatal(err)
	}
	v := content.Vars{Prefix: "nextwork", Alias: "alias/nextwork-kms-key", Table: "nextwork-kms-table", User: "nextwork-kms-user"}
	sol, qz := ContentSolutions(man, v), ContentQuizzes(man)
	for _, id := range steps.IDs() {
		cmds, ok := sol.Solution(id)
		if !ok || len(cmds) == 0 || !strings.Contains(strings.Join(cmds, "\n"), "aws ") {
			t.Errorf("%s: solution %q", id, cmds)
		}
		if strings.Contains(strings.Join(cmds, "\n"), "{{") {
			t.Errorf("%s: template left in %q", id, cmds)
		}
		qs, ok := qz.Quiz(id)
		if !ok || len(qs) == 0 {
			t.Errorf("%s: no quiz", id)
		}
		for _, q := range qs {
			if len(q.Choices) < 2 || len(q.Choices) > 4 || q.Answer < 0 || q.Answer >= len(q.Choices) {
				t.Errorf("%s: %q has %d choices, answer %d", id, q.Question, len(q.Choices), q.Answer)
			}
		}
	}
	if sc, _ := sol.Solution(steps.EncryptTable); !strings.Contains(strings.Join(sc, " "), "nextwork-kms-table") {
		t.Errorf("solution not filled with the table name: %q", sc)
	}
	if _, ok := sol.Solution("no-such-step"); ok {
		t.Error("a solution for an unknown step")
	}
}

func TestQuizKey(t *testing.T) {
	scores := &quizScores{}
	f := newFakeLab()
	m := insightModelLab(t, f, nil, nil, scores, 80, 24)
	m = press(t, m, "z")
	out := flat(screen(m))
	if !strings.Contains(out, "question 1 of 2") || !strings.Contains(out, "What does AWS KMS keep for you?") ||
		!strings.Contains(out, "2 Encryption keys") || !strings.Contains(out, "Press 1–3 to answer") {
		t.Fatalf("first question:\n%s", screen(m))
	}
	// No answer yet: enter neither moves on nor runs the step; 4 is not a choice here.
	m = press(t, m, "enter", "4")
	if len(f.runs) != 0 || m.panel.quiz.idx != 0 || m.panel.quiz.picked != -1 {
		t.Fatalf("enter or a missing choice acted (runs %v, %+v)", f.runs, m.panel.quiz)
	}
	m = press(t, m, "2")
	out = flat(screen(m))
	if !strings.Contains(out, "Correct.") || !strings.Contains(out, "KMS holds keys") || !strings.Contains(out, "✓ 2 Encryption keys") {
		t.Fatalf("right answer not graded:\n%s", screen(m))
	}
	// A second answer to the same question does not count.
	m = press(t, m, "1")
	if m.panel.quiz.score != 1 || m.panel.quiz.picked != 1 {
		t.Fatalf("answer changed after grading: %+v", m.panel.quiz)
	}
	m = press(t, m, "enter")
	if !strings.Contains(flat(screen(m)), "question 2 of 2") {
		t.Fatalf("enter did not go to question 2:\n%s", screen(m))
	}
	m = press(t, m, "1")
	out = flat(screen(m))
	if !strings.Contains(out, "Not quite: the answer is 3.") || !strings.Contains(out, "✗ 1 Only an IAM policy") || !strings.Contains(out, "→ 3 The key policy") {
		t.Fatalf("wrong answer not graded:\n%s", screen(m))
	}
	assertFits(t, m, 80, 24)
	m = press(t, m, "enter")
	if !strings.Contains(flat(screen(m)), "You answered 1 of 2 correctly.") {
		t.Fatalf("no score:\n%s", screen(m))
	}
	if strings.Join(scores.got, ",") != "create-key 1/2" {
		t.Fatalf("SaveQuiz got %q, want create-key 1/2", scores.got)
	}
	// Again, all right; leaving half-way saves nothing.
	m = press(t, m, "z", "2", "enter", "3", "enter")
	if !strings.Contains(flat(screen(m)), "2 of 2 correctly. Well done.") {
		t.Errorf("second try:\n%s", screen(m))
	}
	// enter on the score closes the quiz; it does not run the step.
	m = press(t, m, "enter")
	if m.panel.kind != panelNone || len(f.runs) != 0 {
		t.Fatalf("enter after the score: panel %v, runs %v", m.panel.kind, f.runs)
	}
	m = press(t, m, "z", "2", "enter", "3", "enter", "esc")
	if len(scores.got) != 3 {
		t.Fatalf("third try not saved: %q", scores.got)
	}
	m = press(t, m, "z", "2", "esc")
	if m.panel.kind != panelNone || len(scores.got) != 3 || scores.got[1] != "create-key 2/2" {
		t.Errorf("after esc: panel %v, scores %q", m.panel.kind, scores.got)
	}
	// A step without a quiz says so; no SaveQuiz is fine.
	m = press(t, insightModel(t, nil, nil, nil, 80, 24), "j", "z")
	if !strings.Contains(screen(m), "This step has no quiz.") {
		t.Errorf("no quiz:\n%s", screen(m))
	}
}

// TestHintsCycleManifest: with the real manifest, h shows the current cause's nudge, then
// its concept, then its command, then hides; every cause of every step has all three.
func TestHintsCycleManifest(t *testing.T) {
	man, err := content.Load()
	if err != nil {
		t.Fatal(err)
	}
	v := ContentVars(nil, goldenTarget)
	v.Prefix, v.User, v.Table, v.Alias = "nextwork", "nextwork-kms-user", "nextwork-kms-table", "alias/nextwork-kms-key"
	for i, id := range steps.IDs() {
		for _, cause := range steps.Causes[id] {
			f := newFakeLab()
			f.cause[id] = cause
			m := New(Deps{Steps: f.steps(), Lessons: fakeLessons(), NoColor: true, Hints: ContentHints(man, v), Insights: newInsights()})
			m, _ = settle(t, m, m.Init())
			m, _ = send(t, m, sizeMsg(120, 40))
			for range i {
				m = press(t, m, "j")
			}
			s, _ := man.Step(id)
			h, ok := s.Hint(cause, v)
			if !ok {
				t.Errorf("%s/%s: no hint in the manifest", id, cause)
				continue
			}
			m = press(t, m, "w") // a hint replaces an open view
			for n, want := range []string{h.Nudge, h.Concept, h.Command} {
				m = press(t, m, "h")
				body := strings.Join(strings.Fields(strings.Join(m.resultBody(m.layout().rightW-2), " ")), " ")
				head := "Hint " + itoa(n+1) + "/3: "
				if !strings.HasPrefix(body, head) || !strings.Contains(body, strings.Join(strings.Fields(want), " ")) {
					t.Fatalf("%s/%s press %d: got %q, want %q then %q", id, cause, n+1, body, head, want)
				}
			}
			m = press(t, m, "h")
			if m.hintLevel != 0 || strings.Contains(screen(m), "Hint ") {
				t.Fatalf("%s/%s: fourth h did not hide the hint", id, cause)
			}
		}
	}
}

func TestHelpListsNewKeys(t *testing.T) {
	m := press(t, goldenStart(t, newFakeLab(), 80, 24), "?")
	out := flat(screen(m))
	for _, want := range []string{"w why", "d policy diff", "v view as", "p storage peek", "s solution", "z quiz", "esc close", "h hint"} {
		if !strings.Contains(out, want) {
			t.Errorf("full help lacks %q", want)
		}
	}
	assertFits(t, m, 80, 24)
	m = press(t, m, "?")
	if l := m.layout(); len(l.footer) != 1 || !strings.Contains(l.footer[0], "w why") || strings.Contains(l.footer[0], "…") {
		t.Errorf("short help at 80 columns: %q", l.footer)
	}
}

// TestInsightViewsFit: every new view keeps the width invariant at the two sizes, with and
// without full help (which leaves the least room).
func TestInsightViewsFit(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {100, 30}} {
		for _, keys := range [][]string{{"w"}, {"d"}, {"v"}, {"p"}, {"s"}, {"s", "y"}, {"z"}, {"z", "1"}, {"z", "2", "enter", "3", "enter"}} {
			for _, helpOpen := range []bool{false, true} {
				m := insightModel(t, newInsights(), grantNotes(), nil, sz[0], sz[1])
				if helpOpen {
					m = press(t, m, "?")
				}
				m = press(t, m, keys...)
				if m.panel.kind == panelNone {
					t.Errorf("%v %v: no view open", sz, keys)
				}
				assertFits(t, m, sz[0], sz[1])
			}
		}
	}
}

func TestGoldenInsights(t *testing.T) {
	screens := map[string][]string{
		"why":    {"w"},
		"diff":   {"d"},
		"viewas": {"v"},
		"quiz":   {"z", "1"},
	}
	for name, keys := range screens {
		for _, sz := range [][2]int{{80, 24}, {120, 40}} {
			m := press(t, insightModel(t, newInsights(), grantNotes(), nil, sz[0], sz[1]), keys...)
			checkGolden(t, name, m, sz[0], sz[1])
		}
	}
}

// resultText is the whole result pane's text (scrolled or not), spaces squeezed.
func resultText(m Model) string {
	return strings.Join(strings.Fields(strings.Join(m.resultBody(m.layout().rightW-2), " ")), " ")
}

func stripANSI(s string) string { return ansi.Strip(s) }

// TestDiffRealGrant: the key policy the lab edits, granted and revoked with the policy
// package as step 5 does, shows the test user's ARN on added lines, then on removed ones.
func TestDiffRealGrant(t *testing.T) {
	before, err := policy.Pretty(policy.ConsoleKeyPolicy("000000000000", []string{"arn:aws:iam::000000000000:user/admin"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	after, changed, err := policy.GrantKeyUse(before, goldenUser)
	if err != nil || !changed {
		t.Fatalf("grant: changed %v, %v", changed, err)
	}
	for _, tc := range []struct {
		name, before, after, head string
		sign                      string
	}{
		{"grant", string(before), string(after), "after the grant", "+ "},
		{"revoke", string(after), string(before), "after the revoke", "- "},
	} {
		notes := map[string]string{steps.NotePolicyBefore: tc.before, steps.NotePolicyAfter: tc.after}
		m := press(t, insightModel(t, nil, notes, nil, 120, 40), "d")
		if !strings.Contains(resultText(m), tc.head) {
			t.Errorf("%s: head: %s", tc.name, resultText(m))
		}
		found := false
		for _, l := range m.resultBody(m.layout().rightW - 2) {
			if strings.Contains(l, "user/nextwork-kms-user") {
				if !strings.HasPrefix(l, tc.sign) {
					t.Errorf("%s: the user's line %q lacks %q", tc.name, l, tc.sign)
				}
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the user's ARN is not in the diff:\n%s", tc.name, strings.Join(m.resultBody(m.layout().rightW-2), "\n"))
		}
		assertFits(t, m, 120, 40)
	}
}

// TestEscCloses: esc closes a view and hides a hint.
func TestEscCloses(t *testing.T) {
	m := press(t, insightModel(t, newInsights(), nil, nil, 100, 30), "w", "esc")
	if m.panel.kind != panelNone || !strings.Contains(screen(m), "┌ Result ") {
		t.Errorf("esc left the view open:\n%s", screen(m))
	}
	m = press(t, m, "h", "esc")
	if m.hintLevel != 0 || strings.Contains(screen(m), "Hint") {
		t.Errorf("esc left the hint:\n%s", screen(m))
	}
}

func TestWrapText(t *testing.T) {
	text := "top\n\n    indented line that is much too long for the width given here\n  arn:aws:kms:us-east-1:000000000000:key/0f0e0d0c-0b0a-4908-8706-050403020100\n\tok"
	for _, w := range []int{1, 6, 20, 54, 200} {
		lines := wrapText(text, w)
		for _, l := range lines {
			if lipgloss.Width(l) > w {
				t.Errorf("w=%d: %q is %d wide", w, l, lipgloss.Width(l))
			}
		}
		if got, want := strings.Join(strings.Fields(strings.Join(lines, "")), ""), strings.Join(strings.Fields(text), ""); got != want {
			t.Errorf("w=%d: text changed: %q", w, got)
		}
	}
	got := wrapText(text, 30)
	if got[0] != "top" || got[1] != "" || !strings.HasPrefix(got[2], "    indented") || !strings.HasPrefix(got[3], "      ") {
		t.Errorf("indent or blank line lost: %q", got)
	}
	if last := got[len(got)-1]; last != "    ok" {
		t.Errorf("tab: %q", last)
	}
}

// TestViewsAndStepsDoNotOverlap: no view reads as the test user beside a step run, no step
// runs beside a view's call, and a quit waits for the call in flight.
func TestViewsAndStepsDoNotOverlap(t *testing.T) {
	f := newFakeLab()
	ins := newInsights()
	m := insightModelLab(t, f, ins, nil, nil, 100, 30)
	next, runCmd := m.Update(keyMsg("enter")) // the run stays in flight
	m = next.(Model)
	for _, k := range []string{"w", "v", "p"} {
		m = press(t, m, k)
		if !strings.Contains(resultText(m), "A step is running") {
			t.Errorf("%s during a run:\n%s", k, screen(m))
		}
	}
	if len(ins.calls) != 0 {
		t.Fatalf("Insights called during a run: %v", ins.calls)
	}
	m, _ = settle(t, m, runCmd)

	// A view's call in flight: enter and c wait, q waits for the call.
	next, whyCmd := m.Update(keyMsg("w"))
	m = next.(Model)
	runsBefore := len(f.runs)
	next, cmd := m.Update(keyMsg("enter"))
	m = next.(Model)
	if cmd != nil || len(f.runs) != runsBefore || m.busy {
		t.Fatalf("a step ran beside the view's call")
	}
	next, cmd = m.Update(keyMsg("c"))
	m = next.(Model)
	if cmd != nil || m.busy {
		t.Fatal("a check ran beside the view's call")
	}
	next, cmd = m.Update(keyMsg("q"))
	m = next.(Model)
	if cmd != nil {
		t.Fatal("q quit at once with a view's call in flight")
	}
	_, special := settle(t, m, whyCmd)
	if len(special) != 1 {
		t.Fatalf("after the call: %v, want a quit", special)
	}
}

// TestLoadCancelled: closing a view cancels its call; the late answer is dropped.
func TestLoadCancelled(t *testing.T) {
	var seen context.Context
	ins := ctxInsights{got: func(ctx context.Context) { seen = ctx }}
	m := insightModel(t, ins, nil, nil, 100, 30)
	next, whyCmd := m.Update(keyMsg("w"))
	next, _ = next.(Model).Update(keyMsg("w")) // closed before it answered
	m, _ = settle(t, next.(Model), whyCmd)
	if seen == nil || seen.Err() == nil {
		t.Fatal("closing the view did not cancel its call")
	}
	if m.loads != 0 || m.panel.kind != panelNone {
		t.Errorf("loads %d, panel %v", m.loads, m.panel.kind)
	}
	m = press(t, m, "enter")
	if m.state[0].v == nil || m.state[0].v.Status != steps.Done {
		t.Error("the step cannot run after a cancelled view")
	}
}

type ctxInsights struct{ got func(context.Context) }

func (c ctxInsights) Explain(ctx context.Context) (string, error) {
	c.got(ctx)
	return "", ctx.Err()
}
func (c ctxInsights) ViewAs(ctx context.Context) (string, string, error) { return "", "", nil }
func (c ctxInsights) Peek(ctx context.Context) (string, error)           { return "", nil }
