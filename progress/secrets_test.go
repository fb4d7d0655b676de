package progress

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// Credential-shaped strings are built at run time so that no scanner mistakes
// this file for a leak.
var (
	fakeAccessKeyID = "AKIA" + strings.Repeat("Z", 16)
	fakeTempKeyID   = "ASIA" + strings.Repeat("Y7", 8)
	fakeSecret      = strings.Repeat("wJalr/K7+X", 4) // 40 characters of [A-Za-z0-9/+]
)

func TestSaveRefusesCredentials(t *testing.T) {
	if len(fakeSecret) != 40 || len(fakeAccessKeyID) != 20 || len(fakeTempKeyID) != 20 {
		t.Fatal("bad fixtures")
	}
	cases := map[string]func(f *File){
		"secret in evidence":       func(f *File) { f.Steps["s"] = &Step{Status: "done", Evidence: map[string]string{"k": fakeSecret}} },
		"secret in a sentence":     func(f *File) { f.Notes["n"] = "the key is " + fakeSecret + "." },
		"secret after a newline":   func(f *File) { f.Notes["n"] = "line one\n" + fakeSecret + "\nline three" },
		"secret in detail":         func(f *File) { f.Steps["s"] = &Step{Status: "done", Detail: "secret=" + fakeSecret} },
		"secret as a map key":      func(f *File) { f.Notes[fakeSecret] = "x" },
		"secret as a step id":      func(f *File) { f.Steps[fakeSecret] = &Step{Status: "done"} },
		"secret in the prefix":     func(f *File) { f.Key.Prefix = fakeSecret },
		"access key id":            func(f *File) { f.Steps["s"] = &Step{Status: "done", Evidence: map[string]string{"k": fakeAccessKeyID}} },
		"temporary key id in text": func(f *File) { f.Notes["n"] = "used " + fakeTempKeyID + " for the scan" },
		"access key id glued":      func(f *File) { f.Notes["n"] = "id:" + fakeAccessKeyID + "x" },
		"access key id as map key": func(f *File) { f.Notes[fakeAccessKeyID] = "x" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			s := newTestStore(t)
			f := sampleFile(s, t)
			// A good save first, to see that a refused one changes nothing.
			if err := s.Save(f); err != nil {
				t.Fatal(err)
			}
			before, err := os.ReadFile(s.Path(f.Key))
			if err != nil {
				t.Fatal(err)
			}
			updated := f.UpdatedAt
			mutate(f)
			err = s.Save(f)
			if err == nil {
				t.Fatal("Save accepted a credential")
			}
			msg := err.Error()
			for _, secret := range []string{fakeSecret, fakeAccessKeyID, fakeTempKeyID, "wJalr"} {
				if strings.Contains(msg, secret) {
					t.Fatalf("the error repeats the credential: %q", msg)
				}
			}
			if !strings.Contains(msg, "looks like an AWS") {
				t.Errorf("error does not say why: %q", msg)
			}
			if !f.UpdatedAt.Equal(updated) {
				t.Error("a refused Save changed UpdatedAt")
			}
			if after, err := os.ReadFile(s.Path(f.Key)); err == nil && string(after) != string(before) {
				t.Error("a refused Save changed the file on disk")
			} else if err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(s.dir)
			if len(entries) != 1 {
				t.Errorf("directory holds %d entries after a refused Save", len(entries))
			}
		})
	}
}

func TestRefusalNamesThePlace(t *testing.T) {
	s := newTestStore(t)
	f := &File{Key: labKey, Steps: map[string]*Step{"deny-test-user": {Status: "done", Evidence: map[string]string{"accessKey": fakeAccessKeyID}}}}
	err := s.Save(f)
	if err == nil || !strings.Contains(err.Error(), "steps.deny-test-user.evidence.accessKey") {
		t.Fatalf("err = %v", err)
	}
}

func TestNoFalseAlarms(t *testing.T) {
	ok := []string{
		"arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"1234abcd-12ab-34cd-56ef-1234567890ab",
		"arn:aws:iam::000000000000:user/nextwork-kms-user",
		"arn:aws:dynamodb:us-east-1:000000000000:table/nextwork-kms-table",
		"arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
		"AIDA" + strings.Repeat("Q", 17),      // an IAM user id
		"AROA" + strings.Repeat("R", 17),      // a role id
		strings.Repeat("0123456789abcdef", 4), // a sha-256 in hex
		"sha256:" + strings.Repeat("0123456789abcdef", 4) + " (items)",
		strings.Repeat("Ab/+", 10) + "C", // 41: part of something longer
		strings.Repeat("Ab/+", 10)[:39],  // 39: too short
		"AKIA" + strings.Repeat("Z", 15), // an access key id is 20 characters
		"akia" + strings.Repeat("z", 16), // and upper case
	}
	for _, v := range ok {
		if kind := looksSecret(v); kind != "" {
			t.Errorf("%q flagged as %s", v, kind)
		}
	}
	s := newTestStore(t)
	f := sampleFile(s, t)
	for i, v := range ok {
		f.Notes[string(rune('a'+i))] = v
	}
	if err := s.Save(f); err != nil {
		t.Fatalf("Save refused harmless progress: %v", err)
	}
}

func TestSecretRunEdges(t *testing.T) {
	forty := strings.Repeat("x", 40)
	cases := map[string]bool{
		forty:                                 true,
		" " + forty:                           true,
		forty + " ":                           true,
		"-" + forty + "-":                     true,
		"x" + forty:                           false,
		forty + "/":                           false,
		"é" + forty:                           true, // a non-ASCII rune ends a run
		strings.Repeat("x", 80):               false,
		forty + ":" + forty:                   true,
		strings.Repeat("x", 41) + ":" + forty: true,
	}
	for s, want := range cases {
		if got := hasSecretRun(s); got != want {
			t.Errorf("hasSecretRun(%d chars %q…) = %v, want %v", len(s), s[:min(len(s), 6)], got, want)
		}
	}
}
