package tui

import (
	"strings"
	"testing"

	"github.com/kmslab/kmslab/content"
	"github.com/kmslab/kmslab/steps"
)

// BenchmarkView is one frame at 120×40 with the lesson cached, in colour, on the denial
// screen (the busiest): View must stay well under a millisecond.
func BenchmarkView(b *testing.B) {
	f := newFakeLab()
	for _, id := range []string{steps.CreateKey, steps.EncryptTable, steps.AddItems, steps.DenyUser} {
		f.done[id] = true
	}
	f.verdict[steps.DenyUser] = steps.Verdict{Status: steps.Done, Evidence: map[string]string{
		"userArn": goldenUser, "keyArn": goldenKey, "errorMessage": "User: " + goldenUser + " is not authorized to perform: kms:Decrypt on resource: " + goldenKey}}
	lessons := ContentLessons(content.Vars{Prefix: "nextwork", Table: "nextwork-kms-table", User: "nextwork-kms-user", Alias: "alias/nextwork-kms-key"})
	m := New(Deps{Steps: f.steps(), Lessons: lessons, Now: fixedNow, Target: goldenTarget, Prefix: "nextwork"})
	m, _ = settle(b, m, m.Init())
	m, _ = send(b, m, bgTimeoutMsg{})
	m, _ = send(b, m, sizeMsg(120, 40))
	m = press(b, m, "k")
	var evs eventsMsg
	for i := range 30 {
		evs = append(evs, steps.Event{Step: steps.DenyUser, Phase: steps.Info, Note: "note " + strings.Repeat("x", i)})
	}
	m, _ = send(b, m, evs)
	if k, _ := m.currentLessonKey(); m.lessons[k] == "" || !strings.Contains(screen(m), "Access denied") {
		b.Fatalf("not on the cached denial screen:\n%s", screen(m))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}
