package progress

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// accessKeyIDRE is a long-term (AKIA) or temporary (ASIA) access key id. AIDA user
// ids and the like are fine to keep.
var accessKeyIDRE = regexp.MustCompile(`(AKIA|ASIA)[A-Z0-9]{16}`)

// secretLen is the length of an AWS secret access key.
const secretLen = 40

func isSecretByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '/' || c == '+'
}

// hasSecretRun reports a run of exactly 40 secret-key characters that is not part
// of a longer run: a 64-hex sha or a long base64 blob is not a secret key.
func hasSecretRun(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if isSecretByte(s[i]) {
			run++
			continue
		}
		if run == secretLen {
			return true
		}
		run = 0
	}
	return run == secretLen
}

// looksSecret says which kind of credential s seems to hold, or "".
func looksSecret(s string) string {
	switch {
	case accessKeyIDRE.MatchString(s):
		return "an AWS access key id"
	case hasSecretRun(s):
		return "an AWS secret access key"
	}
	return ""
}

// checkNoSecrets refuses JSON that holds something like a credential. It looks at
// every decoded string and map key rather than the raw text, where an escape such
// as \n glues its letter onto what follows: that would hide a key that starts a
// line and flag a harmless 39-character run. The error names where, never what.
func checkNoSecrets(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("progress: checking for secrets: %w", err)
	}
	if where, kind := findSecret(v, ""); kind != "" {
		return fmt.Errorf("progress: refusing to save: %s holds what looks like %s (a tool bug; secrets never go to disk)", where, kind)
	}
	return nil
}

// findSecret walks decoded JSON and returns the path of the first suspect string
// and its kind. A map key that is itself suspect shows as "<redacted>".
func findSecret(v any, path string) (where, kind string) {
	switch t := v.(type) {
	case string:
		if k := looksSecret(t); k != "" {
			return orRoot(path), k
		}
	case []any:
		for i, e := range t {
			if w, k := findSecret(e, fmt.Sprintf("%s[%d]", path, i)); k != "" {
				return w, k
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys) // the same file always reports the same place
		for _, name := range keys {
			if k := looksSecret(name); k != "" {
				return "a map key in " + orRoot(path), k
			}
			if w, k := findSecret(t[name], joinPath(path, name)); k != "" {
				return w, k
			}
		}
	}
	return "", ""
}

func joinPath(path, name string) string {
	if strings.ContainsAny(name, ". []\"") {
		name = fmt.Sprintf("%q", name)
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

func orRoot(path string) string {
	if path == "" {
		return "the file"
	}
	return path
}
