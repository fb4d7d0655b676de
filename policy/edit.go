package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

// Sids of the key policy of the AWS managed key aws/dynamodb.
const (
	SidDynamoDBViaService = "Allow access through Amazon DynamoDB for all principals in the account that are authorized to use Amazon DynamoDB"
	SidDirectMetadata     = "Allow direct access to key metadata to the account"
)

// DynamoDBManagedKeyPolicy is the key policy AWS gives the AWS managed key aws/dynamodb
// (Id "auto-dynamodb-1"): every principal of the account may use the key through DynamoDB
// in this region, and the account may read the key's metadata directly. There is no root
// "kms:*" statement, so IAM policies cannot grant anything more on the key.
func DynamoDBManagedKeyPolicy(account, region string) []byte {
	via := statement(SidDynamoDBViaService, obj("AWS", str("*")),
		[]string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"},
		obj("StringEquals", obj("kms:CallerAccount", str(account), "kms:ViaService", str("dynamodb."+region+".amazonaws.com"))))
	meta := statement(SidDirectMetadata, obj("AWS", str("arn:aws:iam::"+account+":root")),
		[]string{"kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"}, nil)
	root := obj("Version", str(Version2012), "Id", str("auto-dynamodb-1"), "Statement", arr(via, meta))
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

// ReplacePrincipal replaces an AWS principal with another in every Principal and
// NotPrincipal element of a policy, as IAM does when a user named in a policy is deleted
// (the policy then shows the user's unique id, AIDA…, instead of the ARN). Values match
// ignoring case, as IAM user names do. Only the replaced strings change: the rest of the
// document is kept byte for byte, so its layout survives. changed is false when the
// principal is not named.
func ReplacePrincipal(doc []byte, old, new string) (out []byte, changed bool, err error) {
	if !validAWSPrincipal(new) {
		return nil, false, perr("Invalid principal in policy: \"AWS\":\"%s\"", new)
	}
	if _, err := Parse(doc); err != nil {
		return nil, false, err
	}
	spans, err := principalSpans(doc, old)
	if err != nil {
		return nil, false, err
	}
	if len(spans) == 0 {
		return doc, false, nil
	}
	var b bytes.Buffer
	last := 0
	for _, sp := range spans {
		b.Write(doc[last:sp[0]])
		writeString(&b, new)
		last = sp[1]
	}
	b.Write(doc[last:])
	return b.Bytes(), true, nil
}

// principalSpans returns the byte ranges of the JSON strings equal to principal (ignoring
// case) that sit in Statement → Principal|NotPrincipal → AWS, in document order.
func principalSpans(doc []byte, principal string) ([][2]int, error) {
	w := &spanWalker{dec: json.NewDecoder(bytes.NewReader(doc)), doc: doc, want: principal}
	if err := w.value(atTop); err != nil {
		return nil, errNotJSON
	}
	return w.spans, nil
}

// Where a JSON value sits, as far as principals are concerned.
const (
	atOther = iota
	atTop
	atStatements // the Statement member: one statement or a list of them
	atStatement
	atPrincipal // a Principal or NotPrincipal object
	atAWS       // its AWS member: one string or a list of them
)

type spanWalker struct {
	dec   *json.Decoder
	doc   []byte
	want  string
	spans [][2]int
}

// value reads one JSON value at position at.
func (w *spanWalker) value(at int) error {
	start := int(w.dec.InputOffset())
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			inner := atOther
			switch at {
			case atStatements:
				inner = atStatement
			case atAWS:
				inner = atAWS
			}
			for w.dec.More() {
				if err := w.value(inner); err != nil {
					return err
				}
			}
		} else {
			for w.dec.More() {
				kt, err := w.dec.Token()
				if err != nil {
					return err
				}
				k, _ := kt.(string)
				if err := w.value(memberAt(at, k)); err != nil {
					return err
				}
			}
		}
		_, err := w.dec.Token() // the closing delimiter
		return err
	case string:
		if at == atAWS && strings.EqualFold(v, w.want) {
			end := int(w.dec.InputOffset())
			// Between the previous token and the string there is only a separator and space.
			q := bytes.IndexByte(w.doc[start:end], '"')
			if q < 0 {
				return errNotJSON
			}
			w.spans = append(w.spans, [2]int{start + q, end})
		}
	}
	return nil
}

// memberAt is where the member k of an object at position at sits.
func memberAt(at int, k string) int {
	switch {
	case at == atTop && k == "Statement":
		return atStatements
	case (at == atStatements || at == atStatement) && (k == "Principal" || k == "NotPrincipal"):
		return atPrincipal
	case at == atPrincipal && k == "AWS":
		return atAWS
	}
	return atOther
}
