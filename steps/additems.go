package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Item is a table item of string attributes; "id" is its key.
type Item map[string]string

// Valid says what is wrong with an item a student typed.
func (it Item) Valid() error {
	if strings.TrimSpace(it["id"]) == "" {
		return fmt.Errorf("an item needs an id")
	}
	for k, v := range it {
		if k == "" || len(k) > 255 {
			return fmt.Errorf("attribute names must be 1 to 255 characters")
		}
		if len(v) == 0 {
			return fmt.Errorf("attribute %q is empty; DynamoDB keeps no empty key values, so leave it out", k)
		}
	}
	return nil
}

// SampleItems are what the lab writes: made-up customer records, the kind of data that
// encryption at rest exists for.
var SampleItems = []Item{
	{"id": "customer-001", "name": "Ada Park", "email": "ada.park@example.com", "plan": "pro"},
	{"id": "customer-002", "name": "Ben Osei", "email": "ben.osei@example.com", "plan": "free"},
	{"id": "customer-003", "name": "Chen Li", "email": "chen.li@example.com", "plan": "team"},
}

func (it Item) attributes() map[string]ddbtypes.AttributeValue {
	av := make(map[string]ddbtypes.AttributeValue, len(it))
	for k, v := range it {
		av[k] = &ddbtypes.AttributeValueMemberS{Value: v}
	}
	return av
}

// cliJSON is the item as `aws dynamodb put-item --item` takes it.
func (it Item) cliJSON() string {
	m := map[string]map[string]string{}
	for k, v := range it {
		m[k] = map[string]string{"S": v}
	}
	raw, _ := json.Marshal(m)
	return string(raw)
}

func (l *Lab) items() []Item { return append(append([]Item{}, SampleItems...), l.opts.Items...) }

func runAddItems(ctx context.Context, l *Lab) (Verdict, error) {
	td, err := l.describeTable(ctx, AddItems, false)
	if err != nil {
		return Verdict{}, err
	}
	if td == nil {
		return Verdict{}, &PrereqError{Step: AddItems, Need: EncryptTable, Why: "there is no table " + l.Table + " to put items in"}
	}
	for _, it := range l.items() {
		err := l.do(ctx, l.adminCall(AddItems, "dynamodb", "PutItem", l.Table+" id="+it["id"],
			"aws dynamodb put-item --table-name "+l.Table+" --item '"+it.cliJSON()+"'"),
			func(ctx context.Context) (string, string, error) {
				_, err := l.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(l.Table), Item: it.attributes()})
				return "stored (encrypted at rest with your key)", "", err
			})
		if err != nil {
			return Verdict{}, err
		}
	}
	return checkAddItemsAs(ctx, l, false)
}

func checkAddItems(ctx context.Context, l *Lab) (Verdict, error) {
	return checkAddItemsAs(ctx, l, true)
}

func checkAddItemsAs(ctx context.Context, l *Lab, check bool) (Verdict, error) {
	items, err := l.scan(ctx, l.adminCall(AddItems, "dynamodb", "Scan", l.Table+" as the admin", "aws dynamodb scan --table-name "+l.Table), check, l.DynamoDB)
	switch {
	case isCode(err, "ResourceNotFoundException"):
		return Verdict{Status: NotDone, Cause: "TABLE_MISSING", Detail: "There is no table named " + l.Table + "."}, nil
	case isCode(err, "AccessDeniedException", "ValidationException"):
		code, msg := errorParts(err)
		return Verdict{Status: NotDone, Cause: "ADMIN_CANNOT_READ", Detail: "Even you cannot read the table: " + msg,
			Evidence: map[string]string{"errorCode": code, "errorMessage": msg}}, nil
	case err != nil:
		return Verdict{}, err
	case len(items) == 0:
		return Verdict{Status: NotDone, Cause: "TABLE_EMPTY", Detail: "The table has no items yet."}, nil
	}
	return Verdict{Status: Done, Detail: fmt.Sprintf("You can read %d item(s) in plain text, although DynamoDB stores them encrypted with your key.", len(items)),
		Evidence: map[string]string{"itemsRead": fmt.Sprint(len(items)), "firstItemId": items[0]["id"]}}, nil
}

// scan reads up to 25 items with the given client and shows them in the event's detail.
func (l *Lab) scan(ctx context.Context, c call, check bool, client *dynamodb.Client) ([]Item, error) {
	if check {
		c = c.forCheck()
	}
	var items []Item
	err := l.do(ctx, c, func(ctx context.Context) (string, string, error) {
		out, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(l.Table), Limit: aws.Int32(25)})
		if err != nil {
			return "", "", err
		}
		for _, av := range out.Items {
			items = append(items, flatten(av))
		}
		return fmt.Sprintf("%d item(s) read", len(items)), renderItems(items), nil
	})
	return items, err
}

// flatten shows any attribute value as text; the lab writes strings only.
func flatten(av map[string]ddbtypes.AttributeValue) Item {
	it := Item{}
	for k, v := range av {
		switch x := v.(type) {
		case *ddbtypes.AttributeValueMemberS:
			it[k] = x.Value
		case *ddbtypes.AttributeValueMemberN:
			it[k] = x.Value
		case *ddbtypes.AttributeValueMemberBOOL:
			it[k] = fmt.Sprint(x.Value)
		default:
			it[k] = fmt.Sprintf("(%T)", v)
		}
	}
	return it
}

// renderItems lists items one per line, id first, other attributes sorted.
func renderItems(items []Item) string {
	sort.Slice(items, func(i, j int) bool { return items[i]["id"] < items[j]["id"] })
	var b strings.Builder
	for _, it := range items {
		keys := make([]string, 0, len(it))
		for k := range it {
			if k != "id" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		b.WriteString("id=" + it["id"])
		for _, k := range keys {
			b.WriteString(" · " + k + "=" + it[k])
		}
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func undoAddItems(ctx context.Context, l *Lab) error {
	for _, it := range l.items() {
		err := l.do(ctx, l.adminCall(AddItems, "dynamodb", "DeleteItem", l.Table+" id="+it["id"],
			`aws dynamodb delete-item --table-name `+l.Table+` --key '{"id":{"S":"`+it["id"]+`"}}'`),
			func(ctx context.Context) (string, string, error) {
				_, err := l.DynamoDB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(l.Table),
					Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: it["id"]}}})
				if isCode(err, "ResourceNotFoundException") {
					return "no table", "", nil
				}
				return "deleted", "", err
			})
		if err != nil {
			return err
		}
	}
	return nil
}
