package steps

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCausesListed: every cause code written in the steps' code is in Causes, and every
// listed code is used somewhere.
func TestCausesListed(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?:Cause: |cause, detail :?= )"([A-Z_]+)"`)
	used := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "causes.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = true
		}
	}
	listed := map[string]bool{}
	for _, cs := range Causes {
		for _, c := range cs {
			listed[c] = true
		}
	}
	for c := range used {
		if !listed[c] {
			t.Errorf("cause %s is returned but not in Causes", c)
		}
	}
	for c := range listed {
		if !used[c] {
			t.Errorf("cause %s is listed but never returned", c)
		}
	}
}
