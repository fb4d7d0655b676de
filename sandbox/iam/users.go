package iam

import (
	"net/http"
	"sort"
	"strings"

	"github.com/kmslab/kmslab/sandbox/api"
)

// userInput names one user; an empty name means the caller.
type userInput struct {
	name string
}

// resolveName is the named user, or the caller when the name was left out.
func (in userInput) resolveName(r *api.Request) string {
	if in.name != "" {
		return in.name
	}
	return r.Caller.UserName
}

// target is what to authorize on a user: its real ARN when it exists (its path), else the
// ARN it would have at path "/".
func (s *Service) userTarget(action, name string) api.Target {
	if u := s.lookup(name); u != nil {
		return api.Target{Action: action, Resource: u.ARN}
	}
	return api.Target{Action: action, Resource: s.userARN("/", name)}
}

// callerTarget authorizes on the caller itself.
func callerTarget(action string, r *api.Request) api.Target {
	res := r.Caller.ARN
	if res == "" {
		res = "*"
	}
	return api.Target{Action: action, Resource: res}
}

func decodeUser(action string) func(*Service, *api.Request, *params) (userInput, []api.Target, *api.Error) {
	return func(s *Service, r *api.Request, p *params) (userInput, []api.Target, *api.Error) {
		name := p.str("UserName", "userName", true, ruleExistingUser)
		return userInput{name: name}, []api.Target{s.userTarget("iam:"+action, name)}, nil
	}
}

// decodeUserOpt reads an optional UserName that defaults to the caller.
func decodeUserOpt(action string) func(*Service, *api.Request, *params) (userInput, []api.Target, *api.Error) {
	return func(s *Service, r *api.Request, p *params) (userInput, []api.Target, *api.Error) {
		if !p.has("UserName") {
			if r.Caller.UserName == "" {
				return userInput{}, nil, callerNotUser()
			}
			return userInput{}, []api.Target{callerTarget("iam:"+action, r)}, nil
		}
		name := p.str("UserName", "userName", false, ruleExistingUser)
		return userInput{name: name}, []api.Target{s.userTarget("iam:"+action, name)}, nil
	}
}

// callerNotUser: an operation that defaults to the calling user was called by something
// that is not an IAM user (the sandbox has no such callers; kept for safety).
func callerNotUser() *api.Error {
	return &api.Error{Code: "ValidationError", Message: "Must specify userName when calling with non-User credentials", Status: http.StatusBadRequest}
}

// ---- CreateUser

type createUserInput struct {
	name, path string
	tags       []tag
}

func decodeCreateUser(s *Service, r *api.Request, p *params) (createUserInput, []api.Target, *api.Error) {
	in := createUserInput{path: "/"}
	in.name = p.str("UserName", "userName", true, ruleUserName)
	if p.has("Path") {
		in.path = p.str("Path", "path", false, rulePath)
	}
	// A permissions boundary is validated but not applied (the lab does not use one).
	p.str("PermissionsBoundary", "permissionsBoundary", false, ruleARN)
	in.tags = p.tags()
	arn := s.userARN(in.path, in.name)
	targets := []api.Target{{Action: "iam:CreateUser", Resource: arn}}
	if len(in.tags) > 0 {
		// AWS also requires iam:TagUser to tag at creation.
		targets = append(targets, api.Target{Action: "iam:TagUser", Resource: arn})
	}
	return in, targets, nil
}

func errDuplicateTags() error {
	return invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
}

func (s *Service) createUser(r *api.Request, in createUserInput) (any, error) {
	if duplicateTagKeys(in.tags) {
		return nil, errDuplicateTags()
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.lookup(in.name) != nil {
		return nil, iamErr("EntityAlreadyExists", http.StatusConflict, "User with name %s already exists.", in.name)
	}
	// A policy must stop naming a deleted user before a new user can take its name.
	if err := s.settlePending(); err != nil {
		return nil, serviceFailure()
	}
	u := s.newUser(in.name, in.path, in.tags, r)
	if err := s.commit(nil, u); err != nil {
		return nil, err
	}
	return userResult{User: userXML(u, true)}, nil
}

func (s *Service) newUser(name, path string, tags []tag, r *api.Request) *user {
	id := newUserID()
	s.mu.RLock()
	for s.idTaken(id) {
		id = newUserID()
	}
	s.mu.RUnlock()
	return &user{
		Name: name, Path: path, ID: id, ARN: s.userARN(path, name), Created: now(r), born: r.Now.UTC(),
		Tags: append([]tag(nil), tags...), cache: &policyCache{},
	}
}

// idTaken reports whether a user has, or a deleted user had, id. Callers hold s.mu.
func (s *Service) idTaken(id string) bool {
	if s.deleted[id] != nil {
		return true
	}
	for _, u := range s.users {
		if u.ID == id {
			return true
		}
	}
	return false
}

func userXML(u *user, withTags bool) xmlUser {
	x := xmlUser{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN, CreateDate: isoTime(u.Created)}
	if withTags {
		x.Tags = tagsXML(u.Tags)
	}
	return x
}

func tagsXML(tags []tag) memberList[xmlTag] {
	if len(tags) == 0 {
		return nil
	}
	out := make(memberList[xmlTag], len(tags))
	for i, t := range tags {
		out[i] = xmlTag(t)
	}
	return out
}

// ---- GetUser

func (s *Service) getUser(r *api.Request, in userInput) (any, error) {
	name := in.resolveName(r)
	u := s.lookup(name)
	if u == nil {
		return nil, noSuchUser(name)
	}
	return userResult{User: userXML(u, true)}, nil
}

// ---- ListUsers

type listUsersInput struct {
	prefix string
	page   pageReq
}

func decodeListUsers(s *Service, r *api.Request, p *params) (listUsersInput, []api.Target, *api.Error) {
	in := listUsersInput{prefix: "/"}
	if p.has("PathPrefix") {
		in.prefix = p.str("PathPrefix", "pathPrefix", false, rulePathPrefix)
	}
	in.page = p.page()
	return in, []api.Target{{Action: "iam:ListUsers", Resource: "*"}}, nil
}

func (s *Service) listUsers(r *api.Request, in listUsersInput) (any, error) {
	var users []*user
	for _, u := range s.snapshot() {
		if strings.HasPrefix(u.Path, in.prefix) {
			users = append(users, u)
		}
	}
	key := func(u *user) string { return strings.ToLower(u.Name) }
	sort.Slice(users, func(i, j int) bool { return key(users[i]) < key(users[j]) })
	page, truncated, marker, err := paginate(users, key, in.page)
	if err != nil {
		return nil, err
	}
	res := listUsersResult{Users: memberList[xmlUser]{}, IsTruncated: truncated, Marker: marker}
	for _, u := range page {
		res.Users = append(res.Users, userXML(u, false)) // ListUsers returns no tags, as AWS
	}
	return res, nil
}

// ---- DeleteUser

func (s *Service) deleteUser(r *api.Request, in userInput) (any, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	u := s.lookup(in.name)
	if u == nil {
		return nil, noSuchUser(in.name)
	}
	switch {
	case len(u.Keys) > 0:
		return nil, deleteConflict("delete access keys")
	case len(u.Attached) > 0:
		return nil, deleteConflict("detach all policies")
	case len(u.Inline) > 0:
		return nil, deleteConflict("delete policies")
	}
	if err := s.removeUser(u, now(r)); err != nil {
		return nil, err
	}
	return nil, nil
}

// ---- TagUser / UntagUser / ListUserTags

type tagUserInput struct {
	name string
	tags []tag
}

func decodeTagUser(s *Service, r *api.Request, p *params) (tagUserInput, []api.Target, *api.Error) {
	in := tagUserInput{name: p.str("UserName", "userName", true, ruleExistingUser)}
	if len(members(p.form, "Tags")) == 0 {
		p.failNull("tags")
	}
	in.tags = p.tags()
	return in, []api.Target{s.userTarget("iam:TagUser", in.name)}, nil
}

func (s *Service) tagUser(r *api.Request, in tagUserInput) (any, error) {
	if duplicateTagKeys(in.tags) {
		return nil, errDuplicateTags()
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	u := s.lookup(in.name)
	if u == nil {
		return nil, noSuchUser(in.name)
	}
	next := u.clone()
	for _, t := range in.tags {
		replaced := false
		for i := range next.Tags {
			// IAM user tag keys ignore case but keep the case first written.
			if strings.EqualFold(next.Tags[i].Key, t.Key) {
				next.Tags[i].Value = t.Value
				replaced = true
				break
			}
		}
		if !replaced {
			next.Tags = append(next.Tags, t)
		}
	}
	if len(next.Tags) > maxTags {
		// Wording UNCONFIRMED: modelled on the AccessKeysPerUser quota message.
		return nil, limitExceeded("Cannot exceed quota for TagsPerUser: %d", maxTags)
	}
	if err := s.commit(u, next); err != nil {
		return nil, err
	}
	return nil, nil
}

type untagUserInput struct {
	name string
	keys []string
}

func decodeUntagUser(s *Service, r *api.Request, p *params) (untagUserInput, []api.Target, *api.Error) {
	in := untagUserInput{name: p.str("UserName", "userName", true, ruleExistingUser)}
	list := members(p.form, "TagKeys")
	if len(list) == 0 {
		p.failNull("tagKeys")
	}
	if len(list) > maxTags {
		p.fail("tagKeys", "["+strings.Join(scalars(list), ", ")+"]", "must have length less than or equal to 50")
	}
	for i, m := range list {
		k := m[""]
		p.check("tagKeys."+itoa(i+1)+".member", k, ruleTagKey)
		in.keys = append(in.keys, k)
	}
	return in, []api.Target{s.userTarget("iam:UntagUser", in.name)}, nil
}

func scalars(list []map[string]string) []string {
	out := make([]string, len(list))
	for i, m := range list {
		out[i] = m[""]
	}
	return out
}

func (s *Service) untagUser(r *api.Request, in untagUserInput) (any, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	u := s.lookup(in.name)
	if u == nil {
		return nil, noSuchUser(in.name)
	}
	next := u.clone()
	next.Tags = next.Tags[:0]
	for _, t := range u.Tags {
		drop := false
		for _, k := range in.keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
				break
			}
		}
		if !drop {
			next.Tags = append(next.Tags, t)
		}
	}
	if len(next.Tags) == len(u.Tags) {
		return nil, nil // nothing to remove
	}
	if err := s.commit(u, next); err != nil {
		return nil, err
	}
	return nil, nil
}

type listUserTagsInput struct {
	name string
	page pageReq
}

func decodeListUserTags(s *Service, r *api.Request, p *params) (listUserTagsInput, []api.Target, *api.Error) {
	in := listUserTagsInput{name: p.str("UserName", "userName", true, ruleExistingUser)}
	in.page = p.page()
	return in, []api.Target{s.userTarget("iam:ListUserTags", in.name)}, nil
}

func (s *Service) listUserTags(r *api.Request, in listUserTagsInput) (any, error) {
	u := s.lookup(in.name)
	if u == nil {
		return nil, noSuchUser(in.name)
	}
	// Tags keep their insertion order; the marker is the position.
	idx := make([]int, len(u.Tags))
	for i := range idx {
		idx[i] = i
	}
	page, truncated, marker, err := paginate(idx, func(i int) string { return pad(i) }, in.page)
	if err != nil {
		return nil, err
	}
	res := listUserTagsResult{Tags: memberList[xmlTag]{}, IsTruncated: truncated, Marker: marker}
	for _, i := range page {
		res.Tags = append(res.Tags, xmlTag{Key: u.Tags[i].Key, Value: u.Tags[i].Value})
	}
	return res, nil
}
