package iam

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kmslab/kmslab/sandbox/api"
)

// rule is one member's constraints from the IAM model: length bounds and a pattern.
type rule struct {
	min, max int
	pattern  string // as AWS prints it in validation messages
	re       *regexp.Regexp
}

func newRule(min, max int, pattern, goPattern string) rule {
	r := rule{min: min, max: max, pattern: pattern}
	if goPattern != "" {
		r.re = regexp.MustCompile(`^(?:` + goPattern + `)$`)
	}
	return r
}

// The IAM model's constraints, with the pattern text AWS prints.
var (
	ruleUserName       = newRule(1, 64, `[\w+=,.@-]+`, `[\w+=,.@-]+`)
	ruleExistingUser   = newRule(1, 128, `[\w+=,.@-]+`, `[\w+=,.@-]+`)
	rulePath           = newRule(1, 512, `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, `/|/[\x21-\x7E]+/`)
	rulePathPrefix     = newRule(1, 512, `\u002F[\u0021-\u007F]*`, `/[\x21-\x7F]*`)
	rulePolicyName     = newRule(1, 128, `[\w+=,.@-]+`, `[\w+=,.@-]+`)
	rulePolicyDocument = newRule(1, 131072, `[\u0009\u000A\u000D\u0020-\u00FF]+`, `[\x09\x0A\x0D\x20-\x{FF}]+`)
	ruleAccessKeyID    = newRule(16, 128, `[\w]+`, `[\w]+`)
	ruleARN            = newRule(20, 2048, "", "")
	ruleMarker         = newRule(1, 320, `[\u0020-\u00FF]+`, `[\x20-\x{FF}]+`)
	ruleTagKey         = newRule(1, 128, `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`, `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
	ruleTagValue       = newRule(0, 256, `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
	ruleVersionID      = newRule(0, 0, `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`, `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`)
)

// maxTags is IAM's limit of tags per resource and per request.
const maxTags = 50

// params reads a Query form and collects validation errors the way AWS's front end reports
// them: every failing member, one message.
type params struct {
	form url.Values
	errs []string
}

func newParams(form url.Values) *params { return &params{form: form} }

func (p *params) has(key string) bool { _, ok := p.form[key]; return ok }

func (p *params) get(key string) string {
	if v := p.form[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (p *params) fail(member, value, constraint string) {
	p.errs = append(p.errs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member %s", value, member, constraint))
}

func (p *params) failNull(member string) {
	p.errs = append(p.errs, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", member))
}

// check validates value against r under the member name; only the first failing
// constraint is reported for a member.
func (p *params) check(member, value string, r rule) bool {
	n := utf8.RuneCountInString(value)
	switch {
	case n < r.min:
		p.fail(member, value, fmt.Sprintf("must have length greater than or equal to %d", r.min))
	case r.max > 0 && n > r.max:
		p.fail(member, value, fmt.Sprintf("must have length less than or equal to %d", r.max))
	case r.re != nil && !r.re.MatchString(value):
		p.fail(member, value, "must satisfy regular expression pattern: "+r.pattern)
	default:
		return true
	}
	return false
}

// str reads a string member; required members that are absent are reported as null.
func (p *params) str(key, member string, required bool, r rule) string {
	if !p.has(key) {
		if required {
			p.failNull(member)
		}
		return ""
	}
	v := p.get(key)
	p.check(member, v, r)
	return v
}

// enum reads a member restricted to a value set.
func (p *params) enum(key, member string, required bool, allowed ...string) string {
	if !p.has(key) {
		if required {
			p.failNull(member)
		}
		return ""
	}
	v := p.get(key)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(member, v, "must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
	return v
}

// boolean reads an optional boolean member.
func (p *params) boolean(key, member string) bool {
	if !p.has(key) {
		return false
	}
	v := p.get(key)
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	}
	p.fail(member, v, "must be a boolean")
	return false
}

// page reads Marker and MaxItems.
func (p *params) page() pageReq {
	pr := pageReq{max: 100}
	if p.has("Marker") {
		pr.marker = p.str("Marker", "marker", false, ruleMarker)
	}
	if p.has("MaxItems") {
		v := p.get("MaxItems")
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			p.fail("maxItems", v, "must be a number")
		case n < 1:
			p.fail("maxItems", v, "must have value greater than or equal to 1")
		case n > 1000:
			p.fail("maxItems", v, "must have value less than or equal to 1000")
		default:
			pr.max = n
		}
	}
	return pr
}

// err is the ValidationError for everything collected, or nil.
func (p *params) err() *api.Error {
	if len(p.errs) == 0 {
		return nil
	}
	noun := "error"
	if len(p.errs) > 1 {
		noun = "errors"
	}
	return &api.Error{
		Code:    "ValidationError",
		Message: fmt.Sprintf("%d validation %s detected: %s", len(p.errs), noun, strings.Join(p.errs, "; ")),
		Status:  http.StatusBadRequest,
	}
}

// members decodes a Query list: prefix.member.N[.field] keys, ordered by N. Each entry maps
// a field name ("" for a scalar list) to its value. Keys that do not parse are ignored, as
// are indexes below 1.
func members(form url.Values, prefix string) []map[string]string {
	lead := prefix + ".member."
	byIndex := map[int]map[string]string{}
	for k, vs := range form {
		if !strings.HasPrefix(k, lead) || len(vs) == 0 {
			continue
		}
		rest := k[len(lead):]
		idx, field, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 || strings.HasPrefix(idx, "+") {
			continue
		}
		m := byIndex[n]
		if m == nil {
			m = map[string]string{}
			byIndex[n] = m
		}
		m[field] = vs[0]
	}
	idxs := make([]int, 0, len(byIndex))
	for n := range byIndex {
		idxs = append(idxs, n)
	}
	sort.Ints(idxs)
	out := make([]map[string]string, len(idxs))
	for i, n := range idxs {
		out[i] = byIndex[n]
	}
	return out
}

// tags reads Tags.member.N.Key/Value and validates them like AWS.
func (p *params) tags() []tag {
	list := members(p.form, "Tags")
	if len(list) > maxTags {
		p.errs = append(p.errs, fmt.Sprintf("Value '%s' at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", tagsString(list), maxTags))
		return nil
	}
	out := make([]tag, 0, len(list))
	for i, m := range list {
		k, hasKey := m["Key"]
		v, hasValue := m["Value"]
		base := fmt.Sprintf("tags.%d.member.", i+1)
		if !hasKey {
			p.failNull(base + "key")
		} else {
			p.check(base+"key", k, ruleTagKey)
		}
		if !hasValue {
			p.failNull(base + "value")
		} else {
			p.check(base+"value", v, ruleTagValue)
		}
		out = append(out, tag{Key: k, Value: v})
	}
	return out
}

// tagsString renders a tag list the way Coral prints a list value.
func tagsString(list []map[string]string) string {
	parts := make([]string, len(list))
	for i, m := range list {
		parts[i] = "Tag(key=" + m["Key"] + ", value=" + m["Value"] + ")"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// duplicateTagKeys reports whether two tags share a key; IAM tag keys ignore case.
func duplicateTagKeys(tags []tag) bool {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	return false
}
