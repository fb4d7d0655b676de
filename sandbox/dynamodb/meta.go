package dynamodb

import (
	"sync"
	"time"

	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
)

// keyElem is a KeySchemaElement.
type keyElem struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"`
}

// attrDef is an AttributeDefinition.
type attrDef struct {
	AttributeName string `json:"AttributeName"`
	AttributeType string `json:"AttributeType"`
}

type projection struct {
	ProjectionType   string   `json:"ProjectionType,omitempty"`
	NonKeyAttributes []string `json:"NonKeyAttributes,omitempty"`
}

type throughput struct {
	ReadCapacityUnits  int64 `json:"ReadCapacityUnits"`
	WriteCapacityUnits int64 `json:"WriteCapacityUnits"`
}

type indexMeta struct {
	IndexName  string      `json:"IndexName"`
	KeySchema  []keyElem   `json:"KeySchema"`
	Projection projection  `json:"Projection"`
	Throughput *throughput `json:"ProvisionedThroughput,omitempty"`
	Global     bool        `json:"Global"`
}

// SSE modes: the AWS owned key (no SSEDescription), the AWS managed key aws/dynamodb, or a
// customer managed key through the KeyBroker.
const (
	sseOwned   = "owned"
	sseManaged = "managed"
	sseCMK     = "cmk"
)

type sseMeta struct {
	Mode    string `json:"Mode"`
	KeyARN  string `json:"KeyArn,omitempty"`
	Wrapped []byte `json:"Wrapped,omitempty"` // cmk: the table key as KMS wrapped it
	// Plain is the table key of tables under an AWS owned or managed key, which the
	// service itself holds (as AWS does for those keys).
	Plain []byte `json:"Plain,omitempty"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// tableMeta is the durable description of a table.
type tableMeta struct {
	Name               string      `json:"Name"`
	ID                 string      `json:"Id"`
	ARN                string      `json:"Arn"`
	Region             string      `json:"Region"`
	Account            string      `json:"Account"`
	KeySchema          []keyElem   `json:"KeySchema"`
	AttrDefs           []attrDef   `json:"AttributeDefinitions"`
	BillingMode        string      `json:"BillingMode"`
	Throughput         throughput  `json:"Throughput"`
	PayPerRequestSince time.Time   `json:"PayPerRequestSince,omitzero"`
	Created            time.Time   `json:"Created"`
	Indexes            []indexMeta `json:"Indexes,omitempty"`
	SSE                sseMeta     `json:"SSE"`
	Tags               []tag       `json:"Tags,omitempty"`
	DeletionProtection bool        `json:"DeletionProtection,omitempty"`
}

// table is a live table. mu is held shared by every data-plane call for its whole length
// (commit included) and exclusively by changes to the table itself (UpdateTable re-keying,
// DeleteTable, tags), so a re-key never races a write; it is per table, never global.
type table struct {
	mu      sync.RWMutex
	meta    tableMeta
	deleted bool

	hash, rng         string
	hashType, rngType attr.Kind

	keyMu     sync.Mutex
	keyPlain  []byte
	keyCrypto *tableCrypto
}

func newTable(m tableMeta) *table {
	t := &table{}
	t.setMeta(m)
	return t
}

// setMeta installs metadata and the key-schema shortcuts; callers hold mu exclusively or
// own t alone.
func (t *table) setMeta(m tableMeta) {
	t.meta = m
	t.hash, t.rng = "", ""
	t.hashType, t.rngType = attr.Invalid, attr.Invalid
	for _, k := range m.KeySchema {
		if k.KeyType == "HASH" {
			t.hash, t.hashType = k.AttributeName, m.attrType(k.AttributeName)
		} else {
			t.rng, t.rngType = k.AttributeName, m.attrType(k.AttributeName)
		}
	}
}

func (m *tableMeta) attrType(name string) attr.Kind {
	for _, d := range m.AttrDefs {
		if d.AttributeName == name {
			return attr.KindOf(d.AttributeType)
		}
	}
	return attr.Invalid
}

func (m *tableMeta) index(name string) *indexMeta {
	for i := range m.Indexes {
		if m.Indexes[i].IndexName == name {
			return &m.Indexes[i]
		}
	}
	return nil
}

func (ix *indexMeta) keys() (hash, rng string) {
	for _, k := range ix.KeySchema {
		if k.KeyType == "HASH" {
			hash = k.AttributeName
		} else {
			rng = k.AttributeName
		}
	}
	return hash, rng
}

// encCtx is DynamoDB's KMS encryption context for the table.
func (m *tableMeta) encCtx() map[string]string {
	return map[string]string{"aws:dynamodb:tableName": m.Name, "aws:dynamodb:subscriberId": m.Account}
}
