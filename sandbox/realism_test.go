package sandbox_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/kmslab/kmslab/sandbox"
)

func TestParseDelays(t *testing.T) {
	r, err := sandbox.ParseDelays("")
	if err != nil {
		t.Fatal(err)
	}
	want := sandbox.Realism{Enabled: true, Scale: 1, AccessKey: 10 * time.Second, Principal: 8 * time.Second, KeyPolicy: 5 * time.Second, TableKeyCache: 5 * time.Minute}
	if r != want {
		t.Fatalf("defaults: got %+v, want %+v", r, want)
	}
	r, err = sandbox.ParseDelays(" table-key-cache=90s , Access-Key=2s,key-policy=0")
	if err != nil {
		t.Fatal(err)
	}
	want.TableKeyCache, want.AccessKey, want.KeyPolicy = 90*time.Second, 2*time.Second, sandbox.Off
	if r != want {
		t.Fatalf("got %+v, want %+v", r, want)
	}
	if got := r.String(); got != "access-key=2s,principal=8s,key-policy=0s,table-key-cache=1m30s" {
		t.Fatalf("String() = %q", got)
	}
	again, err := sandbox.ParseDelays(r.String())
	if err != nil || again != r {
		t.Fatalf("String does not read back: %+v %v", again, err)
	}
}

func TestParseDelaysRejectsBadInput(t *testing.T) {
	for in, want := range map[string]string{
		"access-key":                    "want name=duration",
		"=5s":                           "want name=duration",
		"access-key=10s,":               "want name=duration",
		"latency=5s":                    `unknown delay "latency"`,
		"principal=8":                   "want a duration",
		"principal=-1s":                 "want a duration",
		"table-key-cache=2h":            "want a duration from 0 to 1h0m0s",
		"key-policy=5s,key-policy=6s":   "given twice",
		"access-key=ten":                "access-key=ten",
		"access-key=10s;principal=8s":   "access-key=10s;principal=8s",
		"table-key-cache=5m,principal=": "principal=",
	} {
		_, err := sandbox.ParseDelays(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDelays(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

func TestRealismEffectiveScalesAndDefaults(t *testing.T) {
	r := sandbox.Realism{Enabled: true, Scale: 10, Principal: 4 * time.Second, KeyPolicy: sandbox.Off}.Effective()
	want := sandbox.Realism{Enabled: true, Scale: 10, AccessKey: time.Second, Principal: 400 * time.Millisecond, KeyPolicy: 0, TableKeyCache: 30 * time.Second}
	if r != want {
		t.Fatalf("got %+v, want %+v", r, want)
	}
	if r := (sandbox.Realism{Enabled: true}).Effective(); r.Scale != 1 || r.AccessKey != sandbox.DefaultAccessKeyDelay {
		t.Fatalf("zero scale is not real time: %+v", r)
	}
}

func TestRealismValidate(t *testing.T) {
	for _, r := range []sandbox.Realism{
		{Enabled: true, Scale: -1},
		{Enabled: true, Scale: math.NaN()},
		{Enabled: true, Scale: math.Inf(1)},
		{Enabled: true, TableKeyCache: 2 * time.Hour},
	} {
		if r.Validate() == nil {
			t.Errorf("%+v: no error", r)
		}
		if _, err := sandbox.Open(sandbox.Options{DataDir: t.TempDir(), Realism: r}); err == nil {
			t.Errorf("Open accepted %+v", r)
		}
	}
	if err := (sandbox.Realism{Enabled: true, Scale: 0.5}).Validate(); err != nil {
		t.Errorf("a slow-down scale is refused: %v", err)
	}
}

// FuzzParseDelays: any input gives a valid Realism or an error, never a panic, and a valid
// one reads back from its own String.
func FuzzParseDelays(f *testing.F) {
	for _, s := range []string{"", "access-key=10s,principal=8s,key-policy=5s,table-key-cache=5m", "key-policy=0", "access-key=1.5s", "x=1", ",,", "principal=1h1s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := sandbox.ParseDelays(s)
		if err != nil {
			return
		}
		if verr := r.Validate(); verr != nil {
			t.Fatalf("ParseDelays(%q) gave an invalid %+v: %v", s, r, verr)
		}
		again, err := sandbox.ParseDelays(r.String())
		if err != nil || again != r {
			t.Fatalf("ParseDelays(%q) = %+v does not read back from %q: %+v %v", s, r, r.String(), again, err)
		}
	})
}
