package steps_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/kmslab/kmslab/steps"
)

// secretShape is an AWS secret access key: 40 characters of base64, alone.
var secretShape = regexp.MustCompile(`(^|[^A-Za-z0-9/+])[A-Za-z0-9/+]{40}([^A-Za-z0-9/+]|$)`)

// TestNoSecretInEventsOrNotes: nothing a front end can print or a progress file can keep
// holds a secret key, the admin's or the test user's.
func TestNoSecretInEventsOrNotes(t *testing.T) {
	tg := openSandbox(t)
	rec := &recorder{}
	l := newLab(t, tg, rec)
	runAll(t, l)
	var verdicts []steps.Verdict
	for _, s := range steps.All() {
		v, err := s.Check(context.Background(), l)
		if err != nil {
			t.Fatal(err)
		}
		verdicts = append(verdicts, v)
	}
	if _, err := l.Cleanup(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	creds, err := tg.Admin.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, e := range rec.events {
		fmt.Fprintf(&all, "%+v\n", e)
	}
	fmt.Fprintf(&all, "%+v\n%+v\n", verdicts, l.Notes())
	text := all.String()
	if strings.Contains(text, creds.SecretAccessKey) {
		t.Fatal("the admin's secret key reached an event, a verdict or a note")
	}
	if m := secretShape.FindString(text); m != "" {
		t.Fatalf("something shaped like a secret key reached the output: %q", m)
	}
	if !strings.Contains(text, "CreateAccessKey") {
		t.Fatal("the run made no access key: the test proves nothing")
	}
}
