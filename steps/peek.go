package steps

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kmslab/kmslab/target"
)

// Peek is an item as the sandbox stores it (ciphertext) beside the item as the admin reads it.
type Peek struct {
	Table, ID string
	Stored    []byte
	Plain     Item
}

// ErrPeekSandboxOnly: only kmslab's own sandbox can hand out the bytes it stores.
var ErrPeekSandboxOnly = errors.New("only the built-in sandbox can show an item's stored bytes: AWS and other emulators keep them out of reach (use --target sandbox)")

// rawItemPath is the sandbox's loopback hook for stored item bytes.
const rawItemPath = "/_kmslab/raw-item"

// Peek fetches item id's stored bytes from the sandbox and reads the item as the admin.
func (l *Lab) Peek(ctx context.Context, id string) (*Peek, error) {
	if l.T.Kind != target.Sandbox || l.T.Endpoint == "" {
		return nil, ErrPeekSandboxOnly
	}
	p := &Peek{Table: l.Table, ID: id}
	err := l.do(ctx, l.adminCall(explainStep, "sandbox", "RawItem", l.Table+" id="+id, "(kmslab sandbox only) POST "+rawItemPath).forCheck(),
		func(ctx context.Context) (string, string, error) {
			stored, err := l.rawItem(ctx, id)
			if err != nil {
				return "", "", err
			}
			p.Stored = stored
			return fmt.Sprintf("%d stored byte(s)", len(stored)), "", nil
		})
	if err != nil {
		return nil, err
	}
	err = l.do(ctx, l.adminCall(explainStep, "dynamodb", "GetItem", l.Table+" id="+id,
		"aws dynamodb get-item --table-name "+l.Table+` --key '{"id":{"S":"`+id+`"}}'`).forCheck(),
		func(ctx context.Context) (string, string, error) {
			out, err := l.DynamoDB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(l.Table),
				Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: id}}})
			if err != nil {
				return "", "", err
			}
			if out.Item == nil {
				return "no such item", "", nil
			}
			p.Plain = flatten(out.Item)
			return "item read in plain text", "", nil
		})
	if err != nil {
		return nil, err
	}
	if p.Plain == nil {
		return nil, fmt.Errorf("the table %s has no item with id %q", l.Table, id)
	}
	return p, nil
}

// rawItem asks the sandbox's hook, signed with the admin's key as the hook requires.
func (l *Lab) rawItem(ctx context.Context, id string) ([]byte, error) {
	body, err := json.Marshal(map[string]any{"TableName": l.Table, "Key": map[string]any{"id": map[string]string{"S": id}}})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(l.T.Endpoint, "/")+rawItemPath, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	creds, err := l.T.Admin.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "kmslab", l.T.Region, l.opts.Now()); err != nil {
		return nil, err
	}
	var client interface {
		Do(*http.Request) (*http.Response, error)
	} = http.DefaultClient
	if l.T.Admin.HTTPClient != nil {
		client = l.T.Admin.HTTPClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &e)
		return nil, fmt.Errorf("the sandbox would not show the stored bytes (%d %s): %s", resp.StatusCode, e.Type, e.Message)
	}
	var out struct {
		Stored []byte `json:"Stored"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("read the sandbox's answer: %w", err)
	}
	return out.Stored, nil
}
