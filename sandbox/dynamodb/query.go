package dynamodb

import (
	"bytes"
	"sort"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
	"github.com/kmslab/kmslab/sandbox/dynamodb/expr"
	"github.com/kmslab/kmslab/sandbox/store"
)

// maxPageBytes is DynamoDB's 1 MB limit on the data one Query or Scan page reads.
const maxPageBytes = 1 << 20

type readInput struct {
	TableName            string                `json:"TableName"`
	IndexName            *string               `json:"IndexName"`
	FilterExpression     *string               `json:"FilterExpression"`
	ProjectionExpression *string               `json:"ProjectionExpression"`
	Select               string                `json:"Select"`
	Limit                *int64                `json:"Limit"`
	ExclusiveStartKey    map[string]*attr.Wire `json:"ExclusiveStartKey"`
	ConsistentRead       bool                  `json:"ConsistentRead"`
	exprParams
	name     string
	startKey attr.Item
	expr     compiled
}

type queryInput struct {
	readInput
	KeyConditionExpression *string `json:"KeyConditionExpression"`
	ScanIndexForward       *bool   `json:"ScanIndexForward"`
}

type scanInput struct {
	readInput
	Segment       *int64 `json:"Segment"`
	TotalSegments *int64 `json:"TotalSegments"`
}

type readOutput struct {
	Items            any       `json:"Items,omitempty"`
	Count            int       `json:"Count"`
	ScannedCount     int       `json:"ScannedCount"`
	LastEvaluatedKey attr.Item `json:"LastEvaluatedKey,omitempty"`
	ConsumedCapacity *capacity `json:"ConsumedCapacity,omitempty"`
}

func init() {
	register("Query", validateQuery, readResources(func(in *queryInput) *readInput { return &in.readInput }), (*Service).query)
	register("Scan", validateScan, readResources(func(in *scanInput) *readInput { return &in.readInput }), (*Service).scan)
}

// readResources names the table, or the index as DynamoDB authorizes it.
func readResources[T any](ri func(*T) *readInput) func(*Service, *api.Request, *T) []string {
	return func(s *Service, r *api.Request, in *T) []string {
		ri := ri(in)
		arn := s.tableARN(r.Region, ri.name)
		if ri.IndexName != nil {
			arn += "/index/" + *ri.IndexName
		}
		return []string{arn}
	}
}

func (in *readInput) validate() (err error) {
	var c constraint
	in.name = checkTableName(&c, in.TableName, "tableName")
	if in.Limit != nil && *in.Limit < 1 {
		c.add(*in.Limit, "limit", "Member must have value greater than or equal to 1")
	}
	switch in.Select {
	case "", "SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES":
	default:
		c.add(in.Select, "select", "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]")
	}
	if in.IndexName != nil && (len(*in.IndexName) < 3 || len(*in.IndexName) > 255) {
		c.add(*in.IndexName, "indexName", "Member must have length greater than or equal to 3")
	}
	if err := c.err(); err != nil {
		return err
	}
	projected := in.ProjectionExpression != nil || in.AttributesToGet != nil
	switch {
	case in.Select == "COUNT" && projected:
		return validation("Cannot specify the ProjectionExpression when choosing to get only the Count")
	case in.Select == "ALL_ATTRIBUTES" && projected:
		return validation("Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES")
	case in.Select == "ALL_PROJECTED_ATTRIBUTES" && in.IndexName == nil:
		return validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
	case in.Select == "SPECIFIC_ATTRIBUTES" && !projected:
		return validation("Select type SPECIFIC_ATTRIBUTES requires either AttributesToGet or ProjectionExpression")
	}
	if in.ExclusiveStartKey != nil {
		if in.startKey, err = wireItem(in.ExclusiveStartKey); err != nil {
			return err
		}
	}
	return nil
}

func validateQuery(_ *Service, _ *api.Request, in *queryInput) (err error) {
	if err := in.validate(); err != nil {
		return err
	}
	if in.KeyConditionExpression == nil && len(in.KeyConditions) == 0 {
		return validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	// The key condition is compiled against the table's schema in Handle, which then runs
	// the unused-placeholder check.
	in.expr, err = in.compile(exprSources{filter: in.FilterExpression, projection: in.ProjectionExpression, keyCondition: in.KeyConditionExpression})
	return err
}

func validateScan(_ *Service, _ *api.Request, in *scanInput) (err error) {
	if err := in.validate(); err != nil {
		return err
	}
	var c constraint
	if in.TotalSegments != nil && (*in.TotalSegments < 1 || *in.TotalSegments > 1000000) {
		rule := "Member must have value greater than or equal to 1"
		if *in.TotalSegments > 1000000 {
			rule = "Member must have value less than or equal to 1000000"
		}
		c.add(*in.TotalSegments, "totalSegments", rule)
	}
	if in.Segment != nil && (*in.Segment < 0 || *in.Segment > 999999) {
		rule := "Member must have value greater than or equal to 0"
		if *in.Segment > 999999 {
			rule = "Member must have value less than or equal to 999999"
		}
		c.add(*in.Segment, "segment", rule)
	}
	if err := c.err(); err != nil {
		return err
	}
	switch {
	case in.Segment != nil && in.TotalSegments == nil:
		return validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	case in.Segment == nil && in.TotalSegments != nil:
		return validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
	case in.Segment != nil && *in.Segment >= *in.TotalSegments:
		return validation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", *in.Segment, *in.TotalSegments)
	}
	if in.expr, err = in.compile(exprSources{filter: in.FilterExpression, projection: in.ProjectionExpression}); err != nil {
		return err
	}
	return in.unused()
}

// view is what a read runs against: the table, or one of its indexes.
type view struct {
	t          *table
	index      *indexMeta
	hash, rng  string // the view's key attributes
	projectAll bool
	keep       map[string]bool // attributes an index projects (nil: all)
}

func (s *Service) viewOf(t *table, in *readInput) (*view, error) {
	v := &view{t: t, hash: t.hash, rng: t.rng, projectAll: true}
	if in.IndexName == nil {
		return v, nil
	}
	ix := t.meta.index(*in.IndexName)
	if ix == nil {
		return nil, validation("The table does not have the specified index: %s", *in.IndexName)
	}
	v.index = ix
	v.hash, v.rng = ix.keys()
	if ix.Projection.ProjectionType != "ALL" {
		v.projectAll = false
		v.keep = map[string]bool{t.hash: true, v.hash: true}
		for _, n := range []string{t.rng, v.rng} {
			if n != "" {
				v.keep[n] = true
			}
		}
		for _, n := range ix.Projection.NonKeyAttributes {
			v.keep[n] = true
		}
		if in.Select == "ALL_ATTRIBUTES" && ix.Global {
			return nil, invalidParams("Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL", ix.IndexName)
		}
	}
	return v, nil
}

// inView reports whether an item appears in the view (has the index's key attributes).
func (v *view) inView(it attr.Item) bool {
	if v.index == nil {
		return true
	}
	return it[v.hash] != nil && (v.rng == "" || it[v.rng] != nil)
}

// shape is the item as the view holds it.
func (v *view) shape(it attr.Item) attr.Item {
	if v.keep == nil {
		return it
	}
	out := attr.Item{}
	for k, val := range it {
		if v.keep[k] {
			out[k] = val
		}
	}
	return out
}

// lek is the LastEvaluatedKey for an item: the table key plus the index key.
func (v *view) lek(it attr.Item) attr.Item {
	k := v.t.keyOf(it)
	if v.index != nil {
		k[v.hash] = it[v.hash]
		if v.rng != "" {
			k[v.rng] = it[v.rng]
		}
	}
	return k
}

// checkStart validates an ExclusiveStartKey against the view's key attributes.
func (v *view) checkStart(start attr.Item) error {
	want := map[string]attr.Kind{v.t.hash: v.t.hashType}
	if v.t.rng != "" {
		want[v.t.rng] = v.t.rngType
	}
	if v.index != nil {
		want[v.hash] = v.t.meta.attrType(v.hash)
		if v.rng != "" {
			want[v.rng] = v.t.meta.attrType(v.rng)
		}
	}
	if len(start) != len(want) {
		return validation("The provided starting key is invalid: The provided key element does not match the schema")
	}
	for n, k := range want {
		if x := start[n]; x == nil || x.Kind != k {
			return validation("The provided starting key is invalid: The provided key element does not match the schema")
		}
	}
	return nil
}

// entry is one decrypted item in read order.
type entry struct {
	item attr.Item
	size int
	sort *attr.Value // the view's sort key value
	tie  []byte      // canonical table key, to order equal sort keys
}

func (v *view) entryOf(it attr.Item, size int) entry {
	e := entry{item: it, size: size, tie: v.t.canonKey(it[v.t.hash], v.t.rangeOf(it)).full}
	if v.rng != "" {
		e.sort = it[v.rng]
	}
	return e
}

func compareEntries(a, b entry) int {
	if a.sort != nil && b.sort != nil {
		if c, ok := attr.Compare(a.sort, b.sort); ok && c != 0 {
			return c
		}
	}
	return bytes.Compare(a.tie, b.tie)
}

// pager builds one page of results.
type pager struct {
	limit   int
	filter  *expr.Cond
	proj    *expr.Proj
	view    *view
	count   bool
	items   []attr.Item
	n       int
	scanned int
	bytes   int
	lek     attr.Item
}

// add evaluates one item; it reports false once the page is full.
func (p *pager) add(e entry) bool {
	p.scanned++
	p.bytes += e.size
	it := p.view.shape(e.item)
	if p.filter.Match(it) {
		p.n++
		if !p.count {
			p.items = append(p.items, p.proj.Apply(it))
		}
	}
	if p.scanned >= p.limit || p.bytes >= maxPageBytes {
		p.lek = p.view.lek(e.item)
		return false
	}
	return true
}

func (p *pager) output(rcc, table string, consistent bool) *readOutput {
	out := &readOutput{Count: p.n, ScannedCount: p.scanned, ConsumedCapacity: consumed(rcc, table, readUnits(p.bytes, consistent))}
	if !p.count {
		items := p.items
		if items == nil {
			items = []attr.Item{}
		}
		out.Items = items
	}
	if p.lek != nil {
		out.LastEvaluatedKey = p.lek
	}
	return out
}

func newPager(in *readInput, v *view) *pager {
	p := &pager{limit: int(^uint(0) >> 1), filter: in.expr.filter, proj: in.expr.proj, view: v, count: in.Select == "COUNT"}
	if in.Limit != nil {
		p.limit = int(*in.Limit)
	}
	return p
}

func (s *Service) query(r *api.Request, in *queryInput) (any, error) {
	t, c, done, err := s.openTable(r, in.name)
	if err != nil {
		return nil, err
	}
	defer done()
	v, err := s.viewOf(t, &in.readInput)
	if err != nil {
		return nil, err
	}
	if in.KeyConditionExpression == nil {
		return nil, validation("The kmslab sandbox does not support the legacy parameter KeyConditions; use KeyConditionExpression instead")
	}
	ks := expr.KeySchema{Hash: v.hash, Range: v.rng, HashType: t.meta.attrType(v.hash)}
	if v.rng != "" {
		ks.RangeType = t.meta.attrType(v.rng)
	}
	kc, err := expr.ParseKeyCond(*in.KeyConditionExpression, in.params, ks)
	if err != nil {
		return nil, fromAttr(err)
	}
	if err := in.unused(); err != nil {
		return nil, err
	}
	if in.expr.filter != nil {
		for _, n := range in.expr.filter.TopLevel() {
			if n == v.hash || n == v.rng {
				return nil, validation("Filter Expression can only contain non-primary key attributes: Primary key attribute: %s", n)
			}
		}
	}
	if in.startKey != nil {
		if err := v.checkStart(in.startKey); err != nil {
			return nil, err
		}
		if !attr.Equal(in.startKey[v.hash], kc.HashValue) {
			return nil, validation("The provided starting key is outside query boundaries based on provided conditions")
		}
	}
	var entries []entry
	gone := false
	err = s.st.View(func(tx *store.Tx) error {
		b := itemsBucket(tx, &t.meta)
		if b == nil {
			gone = true
			return nil
		}
		collect := func(k, raw []byte) error {
			plain, err := c.open(t.meta.ARN, k, raw)
			if err != nil {
				return err
			}
			it, err := attr.DecodeItem(plain)
			if err != nil {
				return err
			}
			if v.inView(it) && attr.Equal(it[v.hash], kc.HashValue) && kc.MatchRange(it[kc.RangeName]) {
				entries = append(entries, v.entryOf(it, storedSize(raw)))
			}
			return nil
		}
		cur := b.Cursor()
		if v.index != nil && v.index.Global {
			for k, raw := cur.First(); k != nil; k, raw = cur.Next() {
				if err := collect(k, raw); err != nil {
					return err
				}
			}
			return nil
		}
		part := c.partition(canon(nil, kc.HashValue))
		for k, raw := cur.Seek(part); k != nil && bytes.HasPrefix(k, part); k, raw = cur.Next() {
			if err := collect(k, raw); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, internalError()
	case gone:
		return nil, tableNotFound()
	}
	forward := in.ScanIndexForward == nil || *in.ScanIndexForward
	sort.Slice(entries, func(i, j int) bool {
		c := compareEntries(entries[i], entries[j])
		if forward {
			return c < 0
		}
		return c > 0
	})
	if in.startKey != nil {
		start := v.entryOf(in.startKey, 0)
		i := sort.Search(len(entries), func(i int) bool {
			c := compareEntries(entries[i], start)
			if forward {
				return c > 0
			}
			return c < 0
		})
		entries = entries[i:]
	}
	p := newPager(&in.readInput, v)
	for _, e := range entries {
		if !p.add(e) {
			break
		}
	}
	return p.output(in.ReturnConsumedCapacity, in.name, in.ConsistentRead), nil
}
