package dynamodb

import (
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/store"
)

type throughputIn struct {
	ReadCapacityUnits  *int64 `json:"ReadCapacityUnits"`
	WriteCapacityUnits *int64 `json:"WriteCapacityUnits"`
}

type indexIn struct {
	IndexName             string        `json:"IndexName"`
	KeySchema             []keyElem     `json:"KeySchema"`
	Projection            *projection   `json:"Projection"`
	ProvisionedThroughput *throughputIn `json:"ProvisionedThroughput"`
}

type createTableInput struct {
	TableName                 string        `json:"TableName"`
	KeySchema                 []keyElem     `json:"KeySchema"`
	AttributeDefinitions      []attrDef     `json:"AttributeDefinitions"`
	BillingMode               string        `json:"BillingMode"`
	ProvisionedThroughput     *throughputIn `json:"ProvisionedThroughput"`
	SSESpecification          *sseSpec      `json:"SSESpecification"`
	Tags                      []tag         `json:"Tags"`
	GlobalSecondaryIndexes    []indexIn     `json:"GlobalSecondaryIndexes"`
	LocalSecondaryIndexes     []indexIn     `json:"LocalSecondaryIndexes"`
	DeletionProtectionEnabled *bool         `json:"DeletionProtectionEnabled"`

	name         string
	mode, keyRef string
	throughput   throughput
	indexes      []indexMeta
}

type tableNameInput struct {
	TableName string `json:"TableName"`
	name      string
}

type listTablesInput struct {
	ExclusiveStartTableName string `json:"ExclusiveStartTableName"`
	Limit                   *int64 `json:"Limit"`
}

type updateTableInput struct {
	TableName                   string        `json:"TableName"`
	BillingMode                 string        `json:"BillingMode"`
	ProvisionedThroughput       *throughputIn `json:"ProvisionedThroughput"`
	SSESpecification            *sseSpec      `json:"SSESpecification"`
	DeletionProtectionEnabled   *bool         `json:"DeletionProtectionEnabled"`
	GlobalSecondaryIndexUpdates []any         `json:"GlobalSecondaryIndexUpdates"`
	StreamSpecification         any           `json:"StreamSpecification"`
	name                        string
	mode, keyRef                string
}

func init() {
	register("CreateTable", validateCreate, tableResource(func(in *createTableInput) string { return in.name }), (*Service).createTable)
	register("DescribeTable", validateTableName, tableResource(func(in *tableNameInput) string { return in.name }), (*Service).describeTable)
	register("DeleteTable", validateTableName, tableResource(func(in *tableNameInput) string { return in.name }), (*Service).deleteTable)
	register("ListTables", validateList, func(*Service, *api.Request, *listTablesInput) []string { return []string{"*"} }, (*Service).listTables)
	register("UpdateTable", validateUpdateTable, tableResource(func(in *updateTableInput) string { return in.name }), (*Service).updateTable)
}

// tableResource names the single table an input is about.
func tableResource[T any](name func(*T) string) func(*Service, *api.Request, *T) []string {
	return func(s *Service, r *api.Request, in *T) []string { return []string{s.tableARN(r.Region, name(in))} }
}

func validateTableName(_ *Service, _ *api.Request, in *tableNameInput) error {
	var c constraint
	in.name = checkTableName(&c, in.TableName, "tableName")
	return c.err()
}

func validateList(_ *Service, _ *api.Request, in *listTablesInput) error {
	var c constraint
	if in.Limit != nil && (*in.Limit < 1 || *in.Limit > 100) {
		rule := "Member must have value greater than or equal to 1"
		if *in.Limit > 100 {
			rule = "Member must have value less than or equal to 100"
		}
		c.add(*in.Limit, "limit", rule)
	}
	if in.ExclusiveStartTableName != "" {
		checkTableName(&c, in.ExclusiveStartTableName, "exclusiveStartTableName")
	}
	return c.err()
}

func checkThroughputConstraints(c *constraint, t *throughputIn, at string) {
	if t == nil {
		return
	}
	for _, f := range []struct {
		v    *int64
		name string
	}{{t.ReadCapacityUnits, "readCapacityUnits"}, {t.WriteCapacityUnits, "writeCapacityUnits"}} {
		switch {
		case f.v == nil:
			c.add(nil, at+"."+f.name, "Member must not be null")
		case *f.v < 1:
			c.add(*f.v, at+"."+f.name, "Member must have value greater than or equal to 1")
		}
	}
}

func checkKeySchemaConstraints(c *constraint, ks []keyElem, at string) {
	switch {
	case ks == nil:
		c.add(nil, at, "Member must not be null")
	case len(ks) == 0:
		c.add("[]", at, "Member must have length greater than or equal to 1")
	case len(ks) > 2:
		c.add(fmt.Sprint(ks), at, "Member must have length less than or equal to 2")
	}
	for i, k := range ks {
		if k.KeyType != "HASH" && k.KeyType != "RANGE" {
			c.add(k.KeyType, fmt.Sprintf("%s.%d.member.keyType", at, i+1), "Member must satisfy enum value set: [HASH, RANGE]")
		}
		if k.AttributeName == "" {
			c.add(nil, fmt.Sprintf("%s.%d.member.attributeName", at, i+1), "Member must have length greater than or equal to 1")
		} else if len(k.AttributeName) > 255 {
			c.add(k.AttributeName, fmt.Sprintf("%s.%d.member.attributeName", at, i+1), "Member must have length less than or equal to 255")
		}
	}
}

// checkKeySchema applies the HASH-then-RANGE rules.
func checkKeySchema(ks []keyElem) error {
	if ks[0].KeyType != "HASH" {
		return validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(ks) == 2 {
		if ks[1].KeyType != "RANGE" {
			return validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
		}
		if ks[0].AttributeName == ks[1].AttributeName {
			return validation("Both the Hash Key and the Range Key element in the KeySchema have the same name")
		}
	}
	return nil
}

func validateCreate(_ *Service, _ *api.Request, in *createTableInput) error {
	var c constraint
	in.name = checkTableName(&c, in.TableName, "tableName")
	checkKeySchemaConstraints(&c, in.KeySchema, "keySchema")
	if in.AttributeDefinitions == nil {
		c.add(nil, "attributeDefinitions", "Member must not be null")
	}
	for i, d := range in.AttributeDefinitions {
		if d.AttributeType != "S" && d.AttributeType != "N" && d.AttributeType != "B" {
			c.add(d.AttributeType, fmt.Sprintf("attributeDefinitions.%d.member.attributeType", i+1), "Member must satisfy enum value set: [B, N, S]")
		}
	}
	if in.BillingMode != "" && in.BillingMode != "PROVISIONED" && in.BillingMode != "PAY_PER_REQUEST" {
		c.add(in.BillingMode, "billingMode", "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]")
	}
	checkThroughputConstraints(&c, in.ProvisionedThroughput, "provisionedThroughput")
	checkSSEEnum(&c, in.SSESpecification)
	checkTags(&c, in.Tags, "tags")
	for i, ix := range append(append([]indexIn(nil), in.GlobalSecondaryIndexes...), in.LocalSecondaryIndexes...) {
		field := "globalSecondaryIndexes"
		n := i + 1
		if i >= len(in.GlobalSecondaryIndexes) {
			field, n = "localSecondaryIndexes", i-len(in.GlobalSecondaryIndexes)+1
		}
		at := fmt.Sprintf("%s.%d.member", field, n)
		if len(ix.IndexName) < 3 || len(ix.IndexName) > 255 || !tableNamePattern.MatchString(ix.IndexName) {
			c.add(ix.IndexName, at+".indexName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
		}
		checkKeySchemaConstraints(&c, ix.KeySchema, at+".keySchema")
		if ix.Projection == nil {
			c.add(nil, at+".projection", "Member must not be null")
		} else if p := ix.Projection.ProjectionType; p != "" && p != "ALL" && p != "KEYS_ONLY" && p != "INCLUDE" {
			c.add(p, at+".projection.projectionType", "Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]")
		}
		checkThroughputConstraints(&c, ix.ProvisionedThroughput, at+".provisionedThroughput")
	}
	if err := c.err(); err != nil {
		return err
	}
	if err := checkKeySchema(in.KeySchema); err != nil {
		return err
	}
	defined := map[string]bool{}
	var defNames []string
	for _, d := range in.AttributeDefinitions {
		if defined[d.AttributeName] {
			return invalidParams("Cannot have two attributes with the same name")
		}
		defined[d.AttributeName] = true
		defNames = append(defNames, d.AttributeName)
	}
	used := map[string]bool{}
	checkDefined := func(ks []keyElem) error {
		var names []string
		missing := false
		for _, k := range ks {
			names = append(names, k.AttributeName)
			used[k.AttributeName] = true
			missing = missing || !defined[k.AttributeName]
		}
		if missing {
			return invalidParams("Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]", strings.Join(names, ", "), strings.Join(defNames, ", "))
		}
		return nil
	}
	if err := checkDefined(in.KeySchema); err != nil {
		return err
	}
	mode := in.BillingMode
	if mode == "" {
		mode = "PROVISIONED"
	}
	if mode == "PAY_PER_REQUEST" && in.ProvisionedThroughput != nil {
		return invalidParams("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
	}
	if mode == "PROVISIONED" {
		if in.ProvisionedThroughput == nil {
			return invalidParams("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
		in.throughput = throughput{*in.ProvisionedThroughput.ReadCapacityUnits, *in.ProvisionedThroughput.WriteCapacityUnits}
	}
	in.BillingMode = mode
	if err := in.checkIndexes(checkDefined); err != nil {
		return err
	}
	if len(used) != len(defined) {
		return invalidParams("Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	}
	var err error
	in.mode, in.keyRef, err = parseSSE(in.SSESpecification)
	return err
}

func (in *createTableInput) checkIndexes(checkDefined func([]keyElem) error) error {
	seen := map[string]bool{}
	add := func(ix indexIn, global bool) error {
		if seen[ix.IndexName] {
			return invalidParams("Duplicate index name: %s", ix.IndexName)
		}
		seen[ix.IndexName] = true
		if err := checkKeySchema(ix.KeySchema); err != nil {
			return err
		}
		if err := checkDefined(ix.KeySchema); err != nil {
			return err
		}
		p := *ix.Projection
		switch {
		case p.ProjectionType == "INCLUDE" && len(p.NonKeyAttributes) == 0:
			return invalidParams("ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
		case p.ProjectionType != "INCLUDE" && len(p.NonKeyAttributes) > 0:
			return invalidParams("ProjectionType is %s, but NonKeyAttributes is specified", p.ProjectionType)
		}
		if p.ProjectionType == "" {
			p.ProjectionType = "ALL"
		}
		m := indexMeta{IndexName: ix.IndexName, KeySchema: ix.KeySchema, Projection: p, Global: global}
		if global {
			switch {
			case in.BillingMode == "PROVISIONED" && ix.ProvisionedThroughput == nil:
				return invalidParams("ProvisionedThroughput must be specified for index: %s", ix.IndexName)
			case in.BillingMode == "PAY_PER_REQUEST" && ix.ProvisionedThroughput != nil:
				return invalidParams("ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", ix.IndexName)
			case ix.ProvisionedThroughput != nil:
				m.Throughput = &throughput{*ix.ProvisionedThroughput.ReadCapacityUnits, *ix.ProvisionedThroughput.WriteCapacityUnits}
			}
		} else {
			if len(in.KeySchema) < 2 {
				return invalidParams("Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
			}
			if ix.KeySchema[0].AttributeName != in.KeySchema[0].AttributeName {
				return invalidParams("Index KeySchema does not have the same leading hash key as table KeySchema for index: %s. index hash key: %s, table hash key: %s", ix.IndexName, ix.KeySchema[0].AttributeName, in.KeySchema[0].AttributeName)
			}
			if len(ix.KeySchema) < 2 {
				return invalidParams("Index KeySchema does not have a range key for index: %s", ix.IndexName)
			}
		}
		in.indexes = append(in.indexes, m)
		return nil
	}
	for _, ix := range in.GlobalSecondaryIndexes {
		if err := add(ix, true); err != nil {
			return err
		}
	}
	for _, ix := range in.LocalSecondaryIndexes {
		if err := add(ix, false); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) createTable(r *api.Request, in *createTableInput) (any, error) {
	s.ctl.Lock()
	defer s.ctl.Unlock()
	if s.lookup(r.Region, in.name) != nil {
		return nil, inUse("Table already exists: " + in.name)
	}
	now := nowOf(r).UTC()
	m := tableMeta{
		Name: in.name, ID: uuid.NewString(), ARN: s.tableARN(r.Region, in.name), Region: r.Region, Account: s.account,
		KeySchema: in.KeySchema, AttrDefs: in.AttributeDefinitions, BillingMode: in.BillingMode, Throughput: in.throughput,
		Created: now, Indexes: in.indexes, Tags: in.Tags,
		DeletionProtection: in.DeletionProtectionEnabled != nil && *in.DeletionProtectionEnabled,
	}
	if m.BillingMode == "PAY_PER_REQUEST" {
		m.PayPerRequestSince = now
	}
	sse, err := s.newTableKey(r, &m, in.mode, in.keyRef)
	if err != nil {
		return nil, err
	}
	m.SSE = sse
	err = s.st.Update(func(tx *store.Tx) error {
		if err := store.PutJSON(tx, tablesPath(m.Region), m.Name, m); err != nil {
			return err
		}
		_, err := store.EnsureBucket(tx, itemsPath(&m)...)
		return err
	})
	if err != nil {
		s.releaseKey(r, &m)
		return nil, err
	}
	s.mu.Lock()
	s.tables[m.Region+"/"+m.Name] = newTable(m)
	s.mu.Unlock()
	return map[string]any{"TableDescription": describe(&m, "CREATING", 0, 0)}, nil
}

// newTableKey makes a table key under the chosen key: a customer managed key goes through
// the broker as the caller, so a key the caller may not use fails here and leaves no table.
// The AWS managed key aws/dynamodb is a real KMS key too (KMS creates it on first use), used
// exactly like a customer managed one; its key policy lets every principal of the account
// use it through DynamoDB. m holds the table's current key (UpdateTable), kept when the
// request names the AWS managed key the table already uses.
func (s *Service) newTableKey(r *api.Request, m *tableMeta, mode, keyRef string) (sseMeta, error) {
	switch mode {
	case sseManaged:
		if s.keys == nil {
			return sseMeta{}, internalError()
		}
		arn, err := s.keys.AWSManagedKey(ctxOf(r), m.Region, "dynamodb")
		if err != nil {
			return sseMeta{}, kmsError(err)
		}
		if m.SSE.Mode == sseCMK && m.SSE.KeyARN == arn && m.SSE.Wrapped != nil {
			return m.SSE, nil
		}
		keyRef = arn
		fallthrough
	case sseCMK:
		if s.keys == nil {
			return sseMeta{}, internalError()
		}
		arn, wrapped, err := s.keys.CreateTableKey(ctxOf(r), r.Caller, m.Region, keyRef, m.encCtx())
		if err != nil {
			return sseMeta{}, kmsError(err)
		}
		return sseMeta{Mode: sseCMK, KeyARN: arn, Wrapped: wrapped}, nil
	}
	return sseMeta{Mode: sseOwned, Plain: randomKey()}, nil
}

// releaseKey retires DynamoDB's grant on a customer managed key; failures are not the
// caller's concern (the broker succeeds when the key or grant is already gone).
func (s *Service) releaseKey(r *api.Request, m *tableMeta) {
	if m.SSE.Mode == sseCMK && s.keys != nil {
		_ = s.keys.ReleaseTableKey(ctxOf(r), m.Region, m.SSE.KeyARN, m.encCtx())
	}
}

func (s *Service) describeTable(r *api.Request, in *tableNameInput) (any, error) {
	t := s.lookup(r.Region, in.name)
	if t == nil {
		return nil, notFound("Requested resource not found: Table: " + in.name + " not found")
	}
	t.mu.RLock()
	m := t.meta
	t.mu.RUnlock()
	count, size := s.stats(&m)
	return map[string]any{"Table": describe(&m, "ACTIVE", count, size)}, nil
}

func (s *Service) listTables(r *api.Request, in *listTablesInput) (any, error) {
	names := s.tableNames(r.Region)
	limit := 100
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	start := 0
	if in.ExclusiveStartTableName != "" {
		start = sort.SearchStrings(names, in.ExclusiveStartTableName)
		if start < len(names) && names[start] == in.ExclusiveStartTableName {
			start++
		}
	}
	page := names[start:]
	out := map[string]any{}
	if len(page) > limit {
		page = page[:limit]
		out["LastEvaluatedTableName"] = page[len(page)-1]
	}
	if page == nil {
		page = []string{}
	}
	out["TableNames"] = page
	return out, nil
}

func (s *Service) deleteTable(r *api.Request, in *tableNameInput) (any, error) {
	s.ctl.Lock()
	defer s.ctl.Unlock()
	t := s.lookup(r.Region, in.name)
	if t == nil {
		return nil, tableNotFound()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.meta
	if m.DeletionProtection {
		return nil, validation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	count, size := s.stats(&m)
	err := s.st.Update(func(tx *store.Tx) error {
		if err := store.Delete(tx, tablesPath(m.Region), m.Name); err != nil {
			return err
		}
		return store.DeleteBucket(tx, itemsPath(&m)...)
	})
	if err != nil {
		return nil, err
	}
	t.deleted = true
	s.mu.Lock()
	delete(s.tables, m.Region+"/"+m.Name)
	s.mu.Unlock()
	s.releaseKey(r, &m)
	return map[string]any{"TableDescription": describe(&m, "DELETING", count, size)}, nil
}
