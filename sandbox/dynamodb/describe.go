package dynamodb

import (
	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/store"
)

type provisionedDesc struct {
	NumberOfDecreasesToday int64 `json:"NumberOfDecreasesToday"`
	ReadCapacityUnits      int64 `json:"ReadCapacityUnits"`
	WriteCapacityUnits     int64 `json:"WriteCapacityUnits"`
}

type billingSummary struct {
	BillingMode                       string     `json:"BillingMode"`
	LastUpdateToPayPerRequestDateTime *api.Epoch `json:"LastUpdateToPayPerRequestDateTime,omitempty"`
}

type sseDesc struct {
	Status          string `json:"Status"`
	SSEType         string `json:"SSEType"`
	KMSMasterKeyArn string `json:"KMSMasterKeyArn"`
}

type indexDesc struct {
	IndexName             string           `json:"IndexName"`
	KeySchema             []keyElem        `json:"KeySchema"`
	Projection            projection       `json:"Projection"`
	IndexStatus           string           `json:"IndexStatus,omitempty"`
	ProvisionedThroughput *provisionedDesc `json:"ProvisionedThroughput,omitempty"`
	IndexSizeBytes        int64            `json:"IndexSizeBytes"`
	ItemCount             int64            `json:"ItemCount"`
	IndexArn              string           `json:"IndexArn"`
}

// tableDescription is DynamoDB's TableDescription.
type tableDescription struct {
	AttributeDefinitions      []attrDef       `json:"AttributeDefinitions"`
	TableName                 string          `json:"TableName"`
	KeySchema                 []keyElem       `json:"KeySchema"`
	TableStatus               string          `json:"TableStatus"`
	CreationDateTime          api.Epoch       `json:"CreationDateTime"`
	ProvisionedThroughput     provisionedDesc `json:"ProvisionedThroughput"`
	TableSizeBytes            int64           `json:"TableSizeBytes"`
	ItemCount                 int64           `json:"ItemCount"`
	TableArn                  string          `json:"TableArn"`
	TableId                   string          `json:"TableId"`
	BillingModeSummary        *billingSummary `json:"BillingModeSummary,omitempty"`
	LocalSecondaryIndexes     []indexDesc     `json:"LocalSecondaryIndexes,omitempty"`
	GlobalSecondaryIndexes    []indexDesc     `json:"GlobalSecondaryIndexes,omitempty"`
	SSEDescription            *sseDesc        `json:"SSEDescription,omitempty"`
	DeletionProtectionEnabled bool            `json:"DeletionProtectionEnabled"`
}

// describe builds the description of m; count and size come from the caller.
func describe(m *tableMeta, status string, count, size int64) *tableDescription {
	d := &tableDescription{
		AttributeDefinitions: m.AttrDefs,
		TableName:            m.Name,
		KeySchema:            m.KeySchema,
		TableStatus:          status,
		CreationDateTime:     api.Epoch(m.Created),
		ProvisionedThroughput: provisionedDesc{
			ReadCapacityUnits:  m.Throughput.ReadCapacityUnits,
			WriteCapacityUnits: m.Throughput.WriteCapacityUnits,
		},
		TableSizeBytes:            size,
		ItemCount:                 count,
		TableArn:                  m.ARN,
		TableId:                   m.ID,
		BillingModeSummary:        &billingSummary{BillingMode: m.BillingMode},
		DeletionProtectionEnabled: m.DeletionProtection,
	}
	if m.BillingMode == "PAY_PER_REQUEST" {
		d.BillingModeSummary.LastUpdateToPayPerRequestDateTime = api.EpochPtr(m.PayPerRequestSince)
	}
	for _, ix := range m.Indexes {
		id := indexDesc{IndexName: ix.IndexName, KeySchema: ix.KeySchema, Projection: ix.Projection, IndexArn: m.ARN + "/index/" + ix.IndexName}
		if ix.Global {
			id.IndexStatus = "ACTIVE"
			id.ProvisionedThroughput = &provisionedDesc{}
			if ix.Throughput != nil {
				id.ProvisionedThroughput.ReadCapacityUnits = ix.Throughput.ReadCapacityUnits
				id.ProvisionedThroughput.WriteCapacityUnits = ix.Throughput.WriteCapacityUnits
			}
			d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, id)
		} else {
			d.LocalSecondaryIndexes = append(d.LocalSecondaryIndexes, id)
		}
	}
	switch m.SSE.Mode {
	case sseCMK, sseManaged:
		d.SSEDescription = &sseDesc{Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: m.SSE.KeyARN}
	}
	return d
}

// stats counts a table's items and their sizes without the table key: the item count is
// the number of stored keys and each item's size sits beside its ciphertext.
func (s *Service) stats(m *tableMeta) (count, size int64) {
	_ = s.st.View(func(tx *store.Tx) error {
		b := itemsBucket(tx, m)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			count++
			size += int64(storedSize(v))
			return nil
		})
	})
	return count, size
}
