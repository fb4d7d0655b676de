package protocol

import (
	"net/http/httptest"
	"testing"

	"github.com/kmslab/kmslab/sandbox/api"
)

// TestWriteErrorExtra: extra members follow the message in key order; ones that would
// repeat __type or the message, or that cannot be encoded, are dropped.
func TestWriteErrorExtra(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, api.JSON10, "dynamodb", "rid", &api.Error{
		Code: "ConditionalCheckFailedException", Type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
		MessageKey: "Message", Message: "The conditional request failed", Status: 400,
		Extra: map[string]any{
			"Item":    map[string]any{"id": map[string]string{"S": "1"}},
			"A":       1,
			"__type":  "spoof",
			"message": "spoof",
			"Bad":     func() {},
		},
	})
	want := `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","Message":"The conditional request failed","A":1,"Item":{"id":{"S":"1"}}}`
	if got := w.Body.String(); got != want {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}
	// The Query protocol has no place for them.
	w = httptest.NewRecorder()
	WriteError(w, api.Query, "iam", "rid", &api.Error{Code: "NoSuchEntity", Message: "m", Status: 404, Extra: map[string]any{"Item": 1}})
	if want := `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>m</Message></Error><RequestId>rid</RequestId></ErrorResponse>`; w.Body.String() != want {
		t.Fatalf("query body %s", w.Body)
	}
}
