package datadir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func sampleClass() []ClassAccount {
	return []ClassAccount{
		{Student: 1, AccountID: "000000000001", AccessKeyID: "AKIAAAAAAAAAAAAAAAA1", SecretAccessKey: "a/b+c,d\"e", Region: "us-east-1", Endpoint: "http://127.0.0.1:4566"},
		{Student: 2, AccountID: "000000000002", AccessKeyID: "AKIAAAAAAAAAAAAAAAA2", SecretAccessKey: "s2", Region: "us-east-1", Endpoint: "http://127.0.0.1:4566"},
	}
}

func TestClassFilesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	in := sampleClass()
	csvPath, envPath, err := WriteClass(dir, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{csvPath, envPath} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, want mode 0600", p, err)
		}
	}
	out, err := ReadClass(dir)
	if err != nil || !reflect.DeepEqual(out, in) {
		t.Fatalf("ReadClass = %+v %v, want %+v", out, err, in)
	}
	env, _ := os.ReadFile(envPath)
	for _, a := range in {
		if !strings.Contains(string(env), fmt.Sprintf("# student %d, account %s\nexport AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\n", a.Student, a.AccountID, a.AccessKeyID, a.SecretAccessKey)) ||
			!strings.Contains(string(env), "export AWS_ENDPOINT_URL="+a.Endpoint+"\n") {
			t.Errorf("class.env lacks student %d:\n%s", a.Student, env)
		}
	}
}

func TestReadClassRefusesDamage(t *testing.T) {
	if _, err := ReadClass(t.TempDir()); !errors.Is(err, ErrNoClass) {
		t.Errorf("no file: %v", err)
	}
	for _, body := range []string{
		"",
		"not,a,class\n",
		strings.Join(classHeader, ",") + "\n1,000000000001\n",
		strings.Join(classHeader, ",") + "\nx,000000000001,AKIA,s,us-east-1,http://h\n",
		strings.Join(classHeader, ",") + "\n0,000000000001,AKIA,s,us-east-1,http://h\n",
		strings.Join(classHeader, ",") + "\n1,,AKIA,s,us-east-1,http://h\n",
	} {
		dir := t.TempDir()
		_ = os.WriteFile(filepath.Join(dir, ClassCSV), []byte(body), 0o600)
		if _, err := ReadClass(dir); err == nil || strings.Contains(err.Error(), "AKIA") {
			t.Errorf("%q: err = %v", body, err)
		}
	}
}

// FuzzReadClass: any class file is read or refused, never a panic; what is read writes
// back to the same accounts.
func FuzzReadClass(f *testing.F) {
	dir := f.TempDir()
	if _, _, err := WriteClass(dir, sampleClass()); err != nil {
		f.Fatal(err)
	}
	seed, _ := os.ReadFile(filepath.Join(dir, ClassCSV))
	f.Add(seed)
	f.Add([]byte(strings.Join(classHeader, ",") + "\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ClassCSV), body, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := ReadClass(dir)
		if err != nil {
			return
		}
		if _, _, err := WriteClass(dir, got); err != nil {
			t.Fatal(err)
		}
		again, err := ReadClass(dir)
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("round trip: %+v %v, want %+v", again, err, got)
		}
	})
}
