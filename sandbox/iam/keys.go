package iam

import (
	"fmt"
	"sort"

	"github.com/kmslab/kmslab/sandbox/api"
)

// maxKeysPerUser is IAM's quota: two keys per user, active or not.
const maxKeysPerUser = 2

// ---- CreateAccessKey

func (s *Service) createAccessKey(r *api.Request, in userInput) (any, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	name := in.resolveName(r)
	u := s.lookup(name)
	if u == nil {
		return nil, noSuchUser(name)
	}
	if len(u.Keys) >= maxKeysPerUser {
		return nil, limitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", maxKeysPerUser)
	}
	next := u.clone()
	k := s.newKey(r)
	next.Keys = append(next.Keys, k)
	if err := s.commit(u, next); err != nil {
		return nil, err
	}
	return createAccessKeyResult{AccessKey: xmlAccessKey{
		UserName: next.Name, AccessKeyId: k.ID, Status: k.status(), SecretAccessKey: k.Secret, CreateDate: isoTime(k.Created),
	}}, nil
}

// newKey makes an active key with an id no other key has.
func (s *Service) newKey(r *api.Request) accessKey {
	id := newAccessKeyID()
	s.mu.RLock()
	for s.keys[id] != nil {
		id = newAccessKeyID()
	}
	s.mu.RUnlock()
	return accessKey{ID: id, Secret: newSecret(), Active: true, Created: now(r), born: r.Now.UTC()}
}

// ---- ListAccessKeys

type listAccessKeysInput struct {
	user userInput
	page pageReq
}

func decodeListAccessKeys(s *Service, r *api.Request, p *params) (listAccessKeysInput, []api.Target, *api.Error) {
	u, targets, err := decodeUserOpt("ListAccessKeys")(s, r, p)
	return listAccessKeysInput{user: u, page: p.page()}, targets, err
}

func keyOrder(k accessKey) string { return fmt.Sprintf("%020d/%s", k.Created.Unix(), k.ID) }

func (s *Service) listAccessKeys(r *api.Request, in listAccessKeysInput) (any, error) {
	name := in.user.resolveName(r)
	u := s.lookup(name)
	if u == nil {
		return nil, noSuchUser(name)
	}
	keys := append([]accessKey(nil), u.Keys...)
	sort.SliceStable(keys, func(i, j int) bool { return keyOrder(keys[i]) < keyOrder(keys[j]) })
	page, truncated, marker, err := paginate(keys, keyOrder, in.page)
	if err != nil {
		return nil, err
	}
	res := listAccessKeysResult{AccessKeyMetadata: memberList[xmlAccessKeyMetadata]{}, IsTruncated: truncated, Marker: marker}
	for _, k := range page {
		res.AccessKeyMetadata = append(res.AccessKeyMetadata, xmlAccessKeyMetadata{
			UserName: u.Name, AccessKeyId: k.ID, Status: k.status(), CreateDate: isoTime(k.Created),
		})
	}
	return res, nil
}

// ---- UpdateAccessKey / DeleteAccessKey

type keyInput struct {
	user   userInput
	keyID  string
	status string
}

func decodeKey(action string, p *params, s *Service, r *api.Request) (keyInput, []api.Target, *api.Error) {
	in := keyInput{}
	in.keyID = p.str("AccessKeyId", "accessKeyId", true, ruleAccessKeyID)
	u, targets, err := decodeUserOpt(action)(s, r, p)
	in.user = u
	return in, targets, err
}

func decodeUpdateAccessKey(s *Service, r *api.Request, p *params) (keyInput, []api.Target, *api.Error) {
	in, targets, err := decodeKey("UpdateAccessKey", p, s, r)
	in.status = p.enum("Status", "status", true, "Active", "Inactive", "Expired")
	return in, targets, err
}

func decodeDeleteAccessKey(s *Service, r *api.Request, p *params) (keyInput, []api.Target, *api.Error) {
	return decodeKey("DeleteAccessKey", p, s, r)
}

func (s *Service) updateAccessKey(r *api.Request, in keyInput) (any, error) {
	if in.status == "Expired" {
		// The model lists Expired but a caller cannot set it (wording UNCONFIRMED).
		return nil, invalidInput("The specified value for status is invalid.")
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	name := in.user.resolveName(r)
	u := s.lookup(name)
	if u == nil {
		return nil, noSuchUser(name)
	}
	i := u.key(in.keyID)
	if i < 0 {
		return nil, noSuchKey(in.keyID)
	}
	active := in.status == "Active"
	if u.Keys[i].Active == active {
		return nil, nil
	}
	next := u.clone()
	next.Keys[i].Active = active
	if err := s.commit(u, next); err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) deleteAccessKey(r *api.Request, in keyInput) (any, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	name := in.user.resolveName(r)
	u := s.lookup(name)
	if u == nil {
		return nil, noSuchUser(name)
	}
	i := u.key(in.keyID)
	if i < 0 {
		return nil, noSuchKey(in.keyID)
	}
	next := u.clone()
	next.Keys = append(next.Keys[:i], next.Keys[i+1:]...)
	if err := s.commit(u, next); err != nil {
		return nil, err
	}
	return nil, nil
}
