package policy

import (
	"errors"
	"fmt"
)

// Sids of the default and console key-policy statements.
const (
	SidRoot       = "Enable IAM User Permissions"
	SidKeyAdmins  = "Allow access for Key Administrators"
	SidKeyUse     = "Allow use of the key"
	SidPersistent = "Allow attachment of persistent resources"
)

// Actions of the console's key-administrator, key-user and persistent-resource statements.
var (
	KeyAdminActions = []string{"kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*",
		"kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
		"kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"}
	KeyUseActions        = []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}
	PersistentResActions = []string{"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"}
)

// ErrNoStatement: the document has no statement with the requested Sid.
var ErrNoStatement = errors.New("policy: no statement with that Sid")

// ErrLastStatement: removing the principal would leave the policy without statements.
var ErrLastStatement = errors.New("policy: the principal is in the policy's only statement")

// DefaultKeyPolicy is the policy KMS gives a key created without one, byte for byte as
// GetKeyPolicy returns it.
func DefaultKeyPolicy(account string) []byte {
	root := obj("Version", str(Version2012), "Id", str("key-default-1"),
		"Statement", arr(rootStatement(account)))
	return root.pretty()
}

// ConsoleKeyPolicy is the policy the KMS console writes for a symmetric key: the root
// statement, then key administrators, key users and persistent-resource statements for the
// principals given (statements with no principals are left out).
func ConsoleKeyPolicy(account string, admins, users []string) []byte {
	stmts := []*jnode{rootStatement(account)}
	if len(admins) > 0 {
		stmts = append(stmts, statement(SidKeyAdmins, principalsNode(admins), KeyAdminActions, nil))
	}
	if len(users) > 0 {
		stmts = append(stmts, keyUseStatement(principalsNode(users)), persistentStatement(principalsNode(users)))
	}
	root := obj("Version", str(Version2012), "Id", str("key-consolepolicy-3"), "Statement", arr(stmts...))
	return root.pretty()
}

// Pretty re-prints a JSON document the way AWS prints key policies (two-space indent,
// `"key" : value`, arrays inline as `[ … ]`), keeping member order.
func Pretty(doc []byte) ([]byte, error) {
	n, err := decodeDoc(doc)
	if err != nil {
		return nil, err
	}
	return n.pretty(), nil
}

// AddPrincipal adds an AWS principal (user ARN, account id…) to the statement with the given
// Sid and returns the re-printed document; changed is false when the statement already
// covers it (listed, or "*").
func AddPrincipal(doc []byte, sid, principal string) (out []byte, changed bool, err error) {
	root, err := loadPolicy(doc, principal)
	if err != nil {
		return nil, false, err
	}
	st := findStatement(root, sid)
	if st == nil {
		return nil, false, fmt.Errorf("%w: %q", ErrNoStatement, sid)
	}
	changed = addPrincipal(st, principal)
	return root.pretty(), changed, nil
}

// RemovePrincipal removes an AWS principal from the statement with the given Sid. A statement
// left with no principal is removed. A missing statement or principal is not an error.
func RemovePrincipal(doc []byte, sid, principal string) (out []byte, changed bool, err error) {
	root, err := loadPolicy(doc, principal)
	if err != nil {
		return nil, false, err
	}
	changed, err = removePrincipal(root, sid, principal)
	if err != nil {
		return nil, false, err
	}
	return root.pretty(), changed, nil
}

// GrantKeyUse is the lab's step 5: it adds principal to "Allow use of the key" and "Allow
// attachment of persistent resources", creating those statements (as the console writes
// them) when missing.
func GrantKeyUse(doc []byte, principal string) (out []byte, changed bool, err error) {
	root, err := loadPolicy(doc, principal)
	if err != nil {
		return nil, false, err
	}
	for _, sid := range []string{SidKeyUse, SidPersistent} {
		if st := findStatement(root, sid); st != nil {
			changed = addPrincipal(st, principal) || changed
			continue
		}
		p := obj("AWS", str(principal))
		st := keyUseStatement(p)
		if sid == SidPersistent {
			st = persistentStatement(p)
		}
		appendStatement(root, st)
		changed = true
	}
	return root.pretty(), changed, nil
}

// RevokeKeyUse undoes GrantKeyUse: it removes principal from both statements.
func RevokeKeyUse(doc []byte, principal string) (out []byte, changed bool, err error) {
	root, err := loadPolicy(doc, principal)
	if err != nil {
		return nil, false, err
	}
	for _, sid := range []string{SidKeyUse, SidPersistent} {
		c, err := removePrincipal(root, sid, principal)
		if err != nil {
			return nil, false, err
		}
		changed = changed || c
	}
	return root.pretty(), changed, nil
}

func loadPolicy(doc []byte, principal string) (*jnode, error) {
	if !validAWSPrincipal(principal) {
		return nil, perr("Invalid principal in policy: \"AWS\":\"%s\"", principal)
	}
	if _, err := Parse(doc); err != nil {
		return nil, err
	}
	return decodeDoc(doc)
}

func rootStatement(account string) *jnode {
	return statement(SidRoot, obj("AWS", str("arn:aws:iam::"+account+":root")), []string{"kms:*"}, nil)
}

func keyUseStatement(p *jnode) *jnode { return statement(SidKeyUse, p, KeyUseActions, nil) }

func persistentStatement(p *jnode) *jnode {
	cond := obj("Bool", obj("kms:GrantIsForAWSResource", str("true")))
	return statement(SidPersistent, p, PersistentResActions, cond)
}

func statement(sid string, principal *jnode, actions []string, cond *jnode) *jnode {
	st := obj("Sid", str(sid), "Effect", str("Allow"), "Principal", principal,
		"Action", strOrList(actions), "Resource", str("*"))
	if cond != nil {
		st.set("Condition", cond)
	}
	return st
}

func principalsNode(list []string) *jnode { return obj("AWS", strOrList(list)) }

// strOrList writes one value as a plain string and several as a list, as the console does.
func strOrList(list []string) *jnode {
	if len(list) == 1 {
		return str(list[0])
	}
	return strs(list)
}

func findStatement(root *jnode, sid string) *jnode {
	for _, st := range statements(root) {
		if s := st.get("Sid"); s != nil && s.kind == '"' && s.text == sid {
			return st
		}
	}
	return nil
}

func statements(root *jnode) []*jnode {
	switch s := root.get("Statement"); {
	case s == nil:
		return nil
	case s.kind == '{':
		return []*jnode{s}
	default:
		return s.vals
	}
}

func appendStatement(root *jnode, st *jnode) {
	s := root.get("Statement")
	if s.kind == '{' {
		s = arr(s)
		root.set("Statement", s)
	}
	s.vals = append(s.vals, st)
}

func addPrincipal(st *jnode, principal string) bool {
	pr := st.get("Principal")
	switch {
	case pr == nil:
		st.set("Principal", obj("AWS", str(principal)))
		return true
	case pr.kind != '{': // "*" already covers everyone
		return false
	}
	aws := pr.get("AWS")
	switch {
	case aws == nil:
		pr.set("AWS", str(principal))
	case aws.kind == '"':
		if aws.text == principal || aws.text == "*" {
			return false
		}
		pr.set("AWS", arr(aws, str(principal)))
	default:
		for _, v := range aws.vals {
			if v.text == principal || v.text == "*" {
				return false
			}
		}
		aws.vals = append(aws.vals, str(principal))
	}
	return true
}

func removePrincipal(root *jnode, sid, principal string) (bool, error) {
	st := findStatement(root, sid)
	if st == nil {
		return false, nil
	}
	pr := st.get("Principal")
	if pr == nil || pr.kind != '{' {
		return false, nil
	}
	aws := pr.get("AWS")
	switch {
	case aws == nil:
		return false, nil
	case aws.kind == '"':
		if aws.text != principal {
			return false, nil
		}
		pr.del("AWS")
	default:
		kept := aws.vals[:0:0]
		for _, v := range aws.vals {
			if v.text != principal {
				kept = append(kept, v)
			}
		}
		if len(kept) == len(aws.vals) {
			return false, nil
		}
		switch len(kept) {
		case 0:
			pr.del("AWS")
		case 1: // undo AddPrincipal's string → list
			pr.set("AWS", kept[0])
		default:
			aws.vals = kept
		}
	}
	if len(pr.keys) > 0 {
		return true, nil
	}
	list := statements(root)
	if len(list) == 1 {
		return false, ErrLastStatement
	}
	s := root.get("Statement")
	kept := make([]*jnode, 0, len(list)-1)
	for _, v := range list {
		if v != st {
			kept = append(kept, v)
		}
	}
	s.vals = kept
	return true, nil
}
