package dynamodb

import (
	"bytes"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
	"github.com/kmslab/kmslab/sandbox/store"
)

func validateUpdateTable(_ *Service, _ *api.Request, in *updateTableInput) error {
	var c constraint
	in.name = checkTableName(&c, in.TableName, "tableName")
	if in.BillingMode != "" && in.BillingMode != "PROVISIONED" && in.BillingMode != "PAY_PER_REQUEST" {
		c.add(in.BillingMode, "billingMode", "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]")
	}
	checkThroughputConstraints(&c, in.ProvisionedThroughput, "provisionedThroughput")
	checkSSEEnum(&c, in.SSESpecification)
	if err := c.err(); err != nil {
		return err
	}
	if in.GlobalSecondaryIndexUpdates != nil || in.StreamSpecification != nil {
		return validation("GlobalSecondaryIndexUpdates and StreamSpecification are not supported by the kmslab sandbox")
	}
	if in.BillingMode == "" && in.ProvisionedThroughput == nil && in.SSESpecification == nil && in.DeletionProtectionEnabled == nil {
		return validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
	}
	if in.SSESpecification != nil {
		var err error
		if in.mode, in.keyRef, err = parseSSE(in.SSESpecification); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) updateTable(r *api.Request, in *updateTableInput) (any, error) {
	s.ctl.Lock()
	defer s.ctl.Unlock()
	t := s.lookup(r.Region, in.name)
	if t == nil {
		return nil, tableNotFound()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.meta
	m.Tags = append([]tag(nil), m.Tags...)
	mode := m.BillingMode
	if in.BillingMode != "" {
		mode = in.BillingMode
	}
	switch {
	case mode == "PAY_PER_REQUEST" && in.ProvisionedThroughput != nil:
		return nil, invalidParams("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
	case mode == "PROVISIONED" && m.BillingMode == "PAY_PER_REQUEST" && in.ProvisionedThroughput == nil:
		return nil, invalidParams("ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
	case in.ProvisionedThroughput != nil:
		want := throughput{*in.ProvisionedThroughput.ReadCapacityUnits, *in.ProvisionedThroughput.WriteCapacityUnits}
		if want == m.Throughput && m.BillingMode == mode && in.SSESpecification == nil && in.DeletionProtectionEnabled == nil {
			return nil, validation("The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnitsForTable: %d. Requested ReadCapacityUnitsForTable: %d. Current WriteCapacityUnitsForTable: %d. Requested WriteCapacityUnitsForTable: %d. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
				m.Throughput.ReadCapacityUnits, want.ReadCapacityUnits, m.Throughput.WriteCapacityUnits, want.WriteCapacityUnits)
		}
		m.Throughput = want
	}
	if mode == "PAY_PER_REQUEST" {
		if m.BillingMode != mode {
			m.PayPerRequestSince = nowOf(r).UTC()
		}
		m.Throughput = throughput{}
	}
	m.BillingMode = mode
	if in.DeletionProtectionEnabled != nil {
		m.DeletionProtection = *in.DeletionProtectionEnabled
	}
	sseStatus := ""
	if in.SSESpecification != nil && !(in.mode == sseOwned && m.SSE.Mode == sseOwned) && !(in.mode == sseManaged && m.SSE.Mode == sseManaged) {
		old := m
		sse, err := s.newTableKey(r, &m, in.mode, in.keyRef)
		if err != nil {
			return nil, err
		}
		m.SSE = sse
		if err := s.rekey(r, t, m); err != nil {
			s.releaseKey(r, &m)
			return nil, err
		}
		if old.SSE.KeyARN != m.SSE.KeyARN || old.SSE.Mode != m.SSE.Mode {
			s.releaseKey(r, &old)
		}
		sseStatus = "UPDATING"
	} else if err := s.saveMeta(m); err != nil {
		return nil, err
	}
	t.setMeta(m)
	count, size := s.stats(&m)
	d := describe(&m, "UPDATING", count, size)
	if d.SSEDescription != nil && sseStatus != "" {
		d.SSEDescription.Status = sseStatus
	}
	return map[string]any{"TableDescription": d}, nil
}

// rekey re-encrypts every item of t under the table key of m.SSE and stores m, in one
// transaction. The old key is opened as the caller (so a caller who may not decrypt the
// table cannot re-key it) and so is the new one. t.mu is held exclusively.
func (s *Service) rekey(r *api.Request, t *table, m tableMeta) error {
	oldC, err := s.crypto(ctxOf(r), r.Caller, t)
	if err != nil {
		return err
	}
	next := newTable(m)
	newC, err := s.crypto(ctxOf(r), r.Caller, next)
	if err != nil {
		return err
	}
	err = s.st.Update(func(tx *store.Tx) error {
		b := itemsBucket(tx, &t.meta)
		if b == nil {
			return tableNotFound()
		}
		type kv struct{ k, v []byte }
		var all []kv
		if err := b.ForEach(func(k, v []byte) error {
			all = append(all, kv{bytes.Clone(k), bytes.Clone(v)})
			return nil
		}); err != nil {
			return err
		}
		if err := store.DeleteBucket(tx, itemsPath(&t.meta)...); err != nil {
			return err
		}
		nb, err := store.EnsureBucket(tx, itemsPath(&m)...)
		if err != nil {
			return err
		}
		for _, e := range all {
			plain, err := oldC.open(t.meta.ARN, e.k, e.v)
			if err != nil {
				return err
			}
			it, err := attr.DecodeItem(plain)
			if err != nil {
				return err
			}
			pk := next.canonKey(it[next.hash], next.rangeOf(it))
			skey := newC.storageKey(pk.hash, pk.full)
			if err := nb.Put(skey, newC.seal(m.ARN, skey, plain, storedSize(e.v))); err != nil {
				return err
			}
		}
		return store.PutJSON(tx, tablesPath(m.Region), m.Name, m)
	})
	if err != nil {
		return err
	}
	t.keyMu.Lock()
	t.keyPlain, t.keyCrypto = next.keyPlain, next.keyCrypto
	t.keyMu.Unlock()
	return nil
}
