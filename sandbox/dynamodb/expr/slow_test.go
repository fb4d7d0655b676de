package expr

import (
	"strings"
	"testing"
	"time"
)

// Pathological input near the 4 KB limit must still be answered quickly.
func TestSlowInputs(t *testing.T) {
	for _, s := range []string{strings.Repeat("a ", 2040), strings.Repeat("(", 4000), strings.Repeat("a = :v AND ", 370) + "(", strings.Repeat("SET a = :v ", 370), strings.Repeat("a.", 2000), strings.Repeat("(a", 2000), strings.Repeat("size(", 800)} {
		p, _ := NewParams(nil, nil, true)
		start := time.Now()
		_, err := ParseCond(Filter, s, p)
		_, err2 := ParseUpdate(s, p)
		_, err3 := ParseProjection(s, p)
		if err == nil || err2 == nil || err3 == nil {
			t.Errorf("%.20q… parsed", s)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%.20q… took %v", s, d)
		}
	}
	p, _ := NewParams(nil, nil, true)
	if _, err := ParseCond(Filter, strings.Repeat("a", 4097), p); err == nil || !strings.Contains(err.Error(), "Expression size has exceeded the maximum allowed size") {
		t.Errorf("4097 bytes: %v", err)
	}
}
