package kms

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestUserDeletedRewritesKeyPolicies(t *testing.T) {
	h := newHarness(t)
	h.now = time.Now().UTC() // UserDeleted skips keys whose deletion date has passed, by the clock
	alice := "arn:aws:iam::" + testAcct + ":user/alice"
	const aliceID = "AIDAALICEEXAMPLE00001"
	root := `{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testAcct + `:root"},"Action":"kms:*","Resource":"*"}`
	compact := `{"Version":"2012-10-17","Statement":[` + root + `,{"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":["` + alice + `","arn:aws:iam::` + testAcct + `:user/admin"]},"Action":"kms:Decrypt","Resource":"*"}]}`
	spaced := "{\n  \"Statement\" : [ " + root + ", {\n    \"Effect\" : \"Allow\",\n    \"Principal\" : { \"AWS\" : \"" + alice + "\" },\n    \"Action\" : \"kms:Encrypt\",\n    \"Resource\" : \"*\"\n  } ]\n}"
	east, _ := h.createKey(map[string]any{"Policy": compact})
	plain, _ := h.createKey(nil)
	pending, _ := h.createKey(map[string]any{"Policy": spaced})
	h.must("ScheduleKeyDeletion", map[string]any{"KeyId": pending, "PendingWindowInDays": 7})
	h.region = "eu-west-1"
	west, _ := h.createKey(map[string]any{"Policy": spaced})

	policyOf := func(reg, id string) string {
		t.Helper()
		h.region = reg
		return h.must("GetKeyPolicy", map[string]any{"KeyId": id})["Policy"].(string)
	}
	before := policyOf("us-east-1", plain)
	for range 2 { // idempotent
		if err := h.s.UserDeleted(alice, aliceID); err != nil {
			t.Fatal(err)
		}
	}
	check := func() {
		t.Helper()
		if got, want := policyOf("us-east-1", east), strings.Replace(compact, alice, aliceID, 1); got != want {
			t.Fatalf("compact policy\n got %s\nwant %s", got, want)
		}
		if got, want := policyOf("us-east-1", pending), strings.Replace(spaced, alice, aliceID, 1); got != want {
			t.Fatalf("pending key's policy\n got %s\nwant %s", got, want)
		}
		if got, want := policyOf("eu-west-1", west), strings.Replace(spaced, alice, aliceID, 1); got != want {
			t.Fatalf("other region's policy\n got %s\nwant %s", got, want)
		}
		if got := policyOf("us-east-1", plain); got != before {
			t.Fatalf("untouched policy changed:\n%s", got)
		}
	}
	check()
	h.reopen()
	check()
}

// flipDir knows alice until she has been asked about n times: a user deleted while a
// PutKeyPolicy naming her is being checked.
type flipDir struct {
	mu sync.Mutex
	n  int
}

func (d *flipDir) PrincipalExists(p string) bool {
	if p != "arn:aws:iam::"+testAcct+":user/alice" {
		return fakeDir{}.PrincipalExists(p)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.n--
	return d.n >= 0
}

// TestPolicyNamingJustDeletedUser: the principals are checked again under the writer lock,
// so a policy naming a user deleted meanwhile is refused rather than stored after
// UserDeleted has rewritten the others.
func TestPolicyNamingJustDeletedUser(t *testing.T) {
	h := newHarness(t)
	id, _ := h.createKey(nil)
	before := h.must("GetKeyPolicy", map[string]any{"KeyId": id})["Policy"]
	doc := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + testAcct + `:root","arn:aws:iam::` + testAcct + `:user/alice"]},"Action":"kms:*","Resource":"*"}]}`
	h.s.dir = &flipDir{n: 1}
	_, _, err := h.call("PutKeyPolicy", map[string]any{"KeyId": id, "Policy": doc})
	wantErr(t, err, "MalformedPolicyDocumentException", msgInvalidPrincipals)
	if got := h.must("GetKeyPolicy", map[string]any{"KeyId": id})["Policy"]; got != before {
		t.Fatalf("policy changed: %v", got)
	}
	h.s.dir = &flipDir{n: 1}
	_, _, err = h.call("CreateKey", map[string]any{"Policy": doc})
	wantErr(t, err, "MalformedPolicyDocumentException", msgInvalidPrincipals)
	h.s.dir = &flipDir{n: 2}
	h.must("PutKeyPolicy", map[string]any{"KeyId": id, "Policy": doc})
}
