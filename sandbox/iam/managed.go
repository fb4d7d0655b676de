package iam

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kmslab/kmslab/policy"
)

// The AWS managed policies the sandbox knows, as AWS publishes them (default version id,
// dates, document). Files are copies of shared/data/aws-managed-policies.
//
//go:embed managed/*.json
var managedFS embed.FS

// managedMeta is what the published files lack: the policy id (ANPA…) and description that
// GetPolicy returns. Ids and descriptions are AWS's own where public sources record them.
var managedMeta = map[string]struct{ id, description string }{
	"AdministratorAccess":              {"ANPAIWMBCKSKIEE64ZLYK", "Provides full access to AWS services and resources."},
	"ReadOnlyAccess":                   {"ANPAILL3HVNFSB6DCOWYQ", "Provides read-only access to AWS services and resources."},
	"AmazonDynamoDBFullAccess":         {"ANPAINUGF2JSOSUY76KYA", "Provides full access to Amazon DynamoDB via the AWS Management Console."},
	"AmazonDynamoDBReadOnlyAccess":     {"ANPAIY2XFNA232XJ6J7X2", "Provides read only access to Amazon DynamoDB via the AWS Management Console."},
	"AWSKeyManagementServicePowerUser": {"ANPAJNPP7PPPPMJRV2SA4", "Provides access to AWS Key Management Service (KMS)."},
	// No public source records this policy's id; this one is made up in AWS's form.
	"AmazonDynamoDBFullAccess_v2": {"ANPAZDDBFULLACCESSV2X", "Provides full access to Amazon DynamoDB"},
}

// managedPolicy is one AWS managed policy at its default version.
type managedPolicy struct {
	Name        string
	ARN         string
	ID          string
	Path        string
	Description string
	VersionID   string
	Created     time.Time
	Updated     time.Time
	Document    string // pretty-printed JSON, as GetPolicyVersion returns it (before URL-encoding)

	once   sync.Once
	parsed *policy.Policy
	err    error
}

// Parsed returns the parsed document; parsing happens once.
func (m *managedPolicy) Parsed() (*policy.Policy, error) {
	m.once.Do(func() { m.parsed, m.err = policy.Parse([]byte(m.Document)) })
	return m.parsed, m.err
}

type managedFile struct {
	CreateDate       string          `json:"CreateDate"`
	UpdateDate       string          `json:"UpdateDate"`
	DefaultVersionId string          `json:"DefaultVersionId"`
	Path             string          `json:"Path"`
	Document         json.RawMessage `json:"Document"`
}

// loadManaged reads the embedded files; it fails only if the embedded data is broken.
func loadManaged() (map[string]*managedPolicy, []*managedPolicy, error) {
	entries, err := managedFS.ReadDir("managed")
	if err != nil {
		return nil, nil, err
	}
	byARN := make(map[string]*managedPolicy, len(entries))
	var list []*managedPolicy
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".json")
		raw, err := managedFS.ReadFile("managed/" + e.Name())
		if err != nil {
			return nil, nil, err
		}
		var f managedFile
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, nil, fmt.Errorf("managed policy %s: %w", name, err)
		}
		created, err1 := time.Parse(time.RFC3339, f.CreateDate)
		updated, err2 := time.Parse(time.RFC3339, f.UpdateDate)
		if err1 != nil || err2 != nil {
			return nil, nil, fmt.Errorf("managed policy %s: bad dates", name)
		}
		var doc bytes.Buffer
		if err := json.Indent(&doc, f.Document, "", "    "); err != nil {
			return nil, nil, fmt.Errorf("managed policy %s: %w", name, err)
		}
		meta, ok := managedMeta[name]
		if !ok {
			return nil, nil, fmt.Errorf("managed policy %s: no id recorded", name)
		}
		path := f.Path
		if path == "" {
			path = "/"
		}
		m := &managedPolicy{
			Name: name, ARN: "arn:aws:iam::aws:policy" + path + name, ID: meta.id, Path: path,
			Description: meta.description, VersionID: f.DefaultVersionId,
			Created: created.UTC(), Updated: updated.UTC(), Document: doc.String(),
		}
		byARN[m.ARN] = m
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return strings.ToLower(list[i].Name) < strings.ToLower(list[j].Name) })
	return byARN, list, nil
}
