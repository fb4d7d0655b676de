package iam

import (
	"errors"
	"net/http"
	"sort"
	"strings"
	"unicode"

	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/sandbox/api"
)

// maxManagedPerUser is IAM's default quota of managed policies attached to a user.
const maxManagedPerUser = 10

// maxInlineUserChars is IAM's quota on the total size of a user's inline policies,
// whitespace not counted.
const maxInlineUserChars = 2048

// ---- AttachUserPolicy / DetachUserPolicy

type attachInput struct {
	user string
	arn  string
}

func decodeAttach(action string) func(*Service, *api.Request, *params) (attachInput, []api.Target, *api.Error) {
	return func(s *Service, r *api.Request, p *params) (attachInput, []api.Target, *api.Error) {
		in := attachInput{}
		in.user = p.str("UserName", "userName", true, ruleExistingUser)
		in.arn = p.str("PolicyArn", "policyArn", true, ruleARN)
		t := s.userTarget("iam:"+action, in.user)
		t.Context = map[string][]string{"iam:PolicyARN": {in.arn}}
		return in, []api.Target{t}, nil
	}
}

// checkARN is the service's own check, made after authorization as on AWS.
func checkARN(arn string) error {
	if !strings.HasPrefix(arn, "arn:") {
		return invalidInput("ARN %s is not valid.", arn)
	}
	return nil
}

func (s *Service) attachUserPolicy(r *api.Request, in attachInput) (any, error) {
	if err := checkARN(in.arn); err != nil {
		return nil, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	u := s.lookup(in.user)
	if u == nil {
		return nil, noSuchUser(in.user)
	}
	if s.managed[in.arn] == nil {
		return nil, noSuchPolicy(in.arn)
	}
	if u.attached(in.arn) {
		return nil, nil // attaching twice is a no-op on AWS
	}
	if len(u.Attached) >= maxManagedPerUser {
		return nil, limitExceeded("Cannot exceed quota for PoliciesPerUser: %d", maxManagedPerUser)
	}
	next := u.clone()
	next.Attached = append(next.Attached, in.arn)
	if err := s.commit(u, next); err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) detachUserPolicy(r *api.Request, in attachInput) (any, error) {
	if err := checkARN(in.arn); err != nil {
		return nil, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	u := s.lookup(in.user)
	if u == nil {
		return nil, noSuchUser(in.user)
	}
	if !u.attached(in.arn) {
		return nil, iamErr("NoSuchEntity", http.StatusNotFound, "Policy %s was not found.", in.arn)
	}
	next := u.clone()
	next.Attached = next.Attached[:0]
	for _, a := range u.Attached {
		if a != in.arn {
			next.Attached = append(next.Attached, a)
		}
	}
	if err := s.commit(u, next); err != nil {
		return nil, err
	}
	return nil, nil
}

// ---- ListAttachedUserPolicies

type listAttachedInput struct {
	user   string
	prefix string
	page   pageReq
}

func decodeListAttached(s *Service, r *api.Request, p *params) (listAttachedInput, []api.Target, *api.Error) {
	in := listAttachedInput{prefix: "/"}
	in.user = p.str("UserName", "userName", true, ruleExistingUser)
	if p.has("PathPrefix") {
		in.prefix = p.str("PathPrefix", "pathPrefix", false, rulePathPrefix)
	}
	in.page = p.page()
	return in, []api.Target{s.userTarget("iam:ListAttachedUserPolicies", in.user)}, nil
}

func (s *Service) listAttachedUserPolicies(r *api.Request, in listAttachedInput) (any, error) {
	u := s.lookup(in.user)
	if u == nil {
		return nil, noSuchUser(in.user)
	}
	var list []*managedPolicy
	for _, arn := range u.Attached {
		if m := s.managed[arn]; m != nil && strings.HasPrefix(m.Path, in.prefix) {
			list = append(list, m)
		}
	}
	key := func(m *managedPolicy) string { return strings.ToLower(m.Name) }
	sort.Slice(list, func(i, j int) bool { return key(list[i]) < key(list[j]) })
	page, truncated, marker, err := paginate(list, key, in.page)
	if err != nil {
		return nil, err
	}
	res := listAttachedUserPoliciesResult{AttachedPolicies: memberList[xmlAttachedPolicy]{}, IsTruncated: truncated, Marker: marker}
	for _, m := range page {
		res.AttachedPolicies = append(res.AttachedPolicies, xmlAttachedPolicy{PolicyName: m.Name, PolicyArn: m.ARN})
	}
	return res, nil
}

// ---- PutUserPolicy / GetUserPolicy / DeleteUserPolicy / ListUserPolicies

type inlineInput struct {
	user, name, document string
}

func decodeInline(action string) func(*Service, *api.Request, *params) (inlineInput, []api.Target, *api.Error) {
	return func(s *Service, r *api.Request, p *params) (inlineInput, []api.Target, *api.Error) {
		in := inlineInput{}
		in.user = p.str("UserName", "userName", true, ruleExistingUser)
		in.name = p.str("PolicyName", "policyName", true, rulePolicyName)
		return in, []api.Target{s.userTarget("iam:"+action, in.user)}, nil
	}
}

func decodePutUserPolicy(s *Service, r *api.Request, p *params) (inlineInput, []api.Target, *api.Error) {
	in := inlineInput{}
	in.user = p.str("UserName", "userName", true, ruleExistingUser)
	in.name = p.str("PolicyName", "policyName", true, rulePolicyName)
	in.document = p.str("PolicyDocument", "policyDocument", true, rulePolicyDocument)
	return in, []api.Target{s.userTarget("iam:PutUserPolicy", in.user)}, nil
}

// checkIdentityDocument validates an identity policy the way IAM does (the policy
// package holds IAM's rules and wording).
func checkIdentityDocument(doc string) error {
	parsed, err := policy.Parse([]byte(doc))
	if err == nil {
		err = parsed.ValidateIdentity()
	}
	if err == nil {
		return nil
	}
	var pe *policy.ParseError
	if errors.As(err, &pe) && pe.Message != "" {
		return malformedPolicy(pe.Message)
	}
	return malformedPolicy("Syntax errors in policy.")
}

// policyChars counts a document's characters the way the inline quota does (no whitespace).
func policyChars(doc string) int {
	n := 0
	for _, c := range doc {
		if !unicode.IsSpace(c) {
			n++
		}
	}
	return n
}

func (s *Service) putUserPolicy(r *api.Request, in inlineInput) (any, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	u := s.lookup(in.user)
	if u == nil {
		return nil, noSuchUser(in.user)
	}
	if err := checkIdentityDocument(in.document); err != nil {
		return nil, err
	}
	next := u.clone()
	if i := next.inline(in.name); i >= 0 {
		next.Inline[i] = inlinePolicy{Name: in.name, Document: in.document}
	} else {
		next.Inline = append(next.Inline, inlinePolicy{Name: in.name, Document: in.document})
		sort.Slice(next.Inline, func(i, j int) bool {
			return strings.ToLower(next.Inline[i].Name) < strings.ToLower(next.Inline[j].Name)
		})
	}
	total := 0
	for _, p := range next.Inline {
		total += policyChars(p.Document)
	}
	if total > maxInlineUserChars {
		// Wording UNCONFIRMED (reported by users; not in the sources at hand).
		return nil, limitExceeded("Maximum policy size of %d bytes exceeded for user %s", maxInlineUserChars, u.Name)
	}
	if err := s.commit(u, next); err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) getUserPolicy(r *api.Request, in inlineInput) (any, error) {
	u := s.lookup(in.user)
	if u == nil {
		return nil, noSuchUser(in.user)
	}
	i := u.inline(in.name)
	if i < 0 {
		return nil, noSuchInline(in.name)
	}
	p := u.Inline[i]
	return getUserPolicyResult{UserName: u.Name, PolicyName: p.Name, PolicyDocument: urlEncodeDocument(p.Document)}, nil
}

func (s *Service) deleteUserPolicy(r *api.Request, in inlineInput) (any, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	u := s.lookup(in.user)
	if u == nil {
		return nil, noSuchUser(in.user)
	}
	i := u.inline(in.name)
	if i < 0 {
		return nil, noSuchInline(in.name)
	}
	next := u.clone()
	next.Inline = append(next.Inline[:i], next.Inline[i+1:]...)
	if err := s.commit(u, next); err != nil {
		return nil, err
	}
	return nil, nil
}

type listUserPoliciesInput struct {
	user string
	page pageReq
}

func decodeListUserPolicies(s *Service, r *api.Request, p *params) (listUserPoliciesInput, []api.Target, *api.Error) {
	in := listUserPoliciesInput{user: p.str("UserName", "userName", true, ruleExistingUser)}
	in.page = p.page()
	return in, []api.Target{s.userTarget("iam:ListUserPolicies", in.user)}, nil
}

func (s *Service) listUserPolicies(r *api.Request, in listUserPoliciesInput) (any, error) {
	u := s.lookup(in.user)
	if u == nil {
		return nil, noSuchUser(in.user)
	}
	names := make([]string, len(u.Inline))
	for i, p := range u.Inline {
		names[i] = p.Name
	}
	page, truncated, marker, err := paginate(names, strings.ToLower, in.page)
	if err != nil {
		return nil, err
	}
	return listUserPoliciesResult{PolicyNames: append(memberList[string]{}, page...), IsTruncated: truncated, Marker: marker}, nil
}

// ---- GetPolicy / GetPolicyVersion / ListPolicies

type policyInput struct {
	arn, version string
}

func decodeGetPolicy(s *Service, r *api.Request, p *params) (policyInput, []api.Target, *api.Error) {
	in := policyInput{arn: p.str("PolicyArn", "policyArn", true, ruleARN)}
	return in, []api.Target{{Action: "iam:GetPolicy", Resource: in.arn}}, nil
}

func decodeGetPolicyVersion(s *Service, r *api.Request, p *params) (policyInput, []api.Target, *api.Error) {
	in := policyInput{arn: p.str("PolicyArn", "policyArn", true, ruleARN)}
	in.version = p.str("VersionId", "versionId", true, ruleVersionID)
	return in, []api.Target{{Action: "iam:GetPolicyVersion", Resource: in.arn}}, nil
}

// attachments counts the users each managed policy is attached to.
func (s *Service) attachments() map[string]int {
	counts := map[string]int{}
	for _, u := range s.snapshot() {
		for _, a := range u.Attached {
			counts[a]++
		}
	}
	return counts
}

func policyXML(m *managedPolicy, count int, withDescription bool) xmlPolicy {
	x := xmlPolicy{
		PolicyName: m.Name, PolicyId: m.ID, Arn: m.ARN, Path: m.Path, DefaultVersionId: m.VersionID,
		AttachmentCount: count, IsAttachable: true, CreateDate: isoTime(m.Created), UpdateDate: isoTime(m.Updated),
	}
	if withDescription {
		x.Description = m.Description // ListPolicies leaves it out, as AWS does
	}
	return x
}

func (s *Service) getPolicy(r *api.Request, in policyInput) (any, error) {
	if err := checkARN(in.arn); err != nil {
		return nil, err
	}
	m := s.managed[in.arn]
	if m == nil {
		return nil, noSuchPolicy(in.arn)
	}
	return getPolicyResult{Policy: policyXML(m, s.attachments()[m.ARN], true)}, nil
}

func (s *Service) getPolicyVersion(r *api.Request, in policyInput) (any, error) {
	if err := checkARN(in.arn); err != nil {
		return nil, err
	}
	m := s.managed[in.arn]
	if m == nil {
		return nil, noSuchPolicy(in.arn)
	}
	// Only the default version of each AWS managed policy is kept.
	if in.version != m.VersionID {
		return nil, iamErr("NoSuchEntity", http.StatusNotFound, "Policy %s version %s does not exist or is not attachable.", in.arn, in.version)
	}
	return getPolicyVersionResult{PolicyVersion: xmlPolicyVersion{
		Document: urlEncodeDocument(m.Document), VersionId: m.VersionID, IsDefaultVersion: true, CreateDate: isoTime(m.Updated),
	}}, nil
}

type listPoliciesInput struct {
	scope        string
	onlyAttached bool
	prefix       string
	page         pageReq
}

func decodeListPolicies(s *Service, r *api.Request, p *params) (listPoliciesInput, []api.Target, *api.Error) {
	in := listPoliciesInput{scope: "All", prefix: "/"}
	if p.has("Scope") {
		in.scope = p.enum("Scope", "scope", false, "All", "AWS", "Local")
	}
	in.onlyAttached = p.boolean("OnlyAttached", "onlyAttached")
	if p.has("PathPrefix") {
		in.prefix = p.str("PathPrefix", "pathPrefix", false, rulePathPrefix)
	}
	if p.has("PolicyUsageFilter") {
		p.enum("PolicyUsageFilter", "policyUsageFilter", false, "PermissionsPolicy", "PermissionsBoundary")
	}
	in.page = p.page()
	return in, []api.Target{{Action: "iam:ListPolicies", Resource: "*"}}, nil
}

func (s *Service) listPolicies(r *api.Request, in listPoliciesInput) (any, error) {
	counts := s.attachments()
	var list []*managedPolicy
	if in.scope != "Local" { // the sandbox has no customer managed policies
		for _, m := range s.managedList {
			if in.onlyAttached && counts[m.ARN] == 0 {
				continue
			}
			if strings.HasPrefix(m.Path, in.prefix) {
				list = append(list, m)
			}
		}
	}
	key := func(m *managedPolicy) string { return strings.ToLower(m.Name) }
	page, truncated, marker, err := paginate(list, key, in.page)
	if err != nil {
		return nil, err
	}
	res := listPoliciesResult{Policies: memberList[xmlPolicy]{}, IsTruncated: truncated, Marker: marker}
	for _, m := range page {
		res.Policies = append(res.Policies, policyXML(m, counts[m.ARN], false))
	}
	return res, nil
}
