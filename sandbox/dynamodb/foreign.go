package dynamodb

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/kmslab/kmslab/sandbox/api"
)

// foreignTable refuses a table named by the ARN of another account. The table name alone
// would otherwise find this account's table of the same name; AWS sends the call to the
// other account, where no resource-based policy lets this caller in.
func (s *Service) foreignTable(r *api.Request) error {
	if !bytes.Contains(r.Body, []byte("arn:")) {
		return nil
	}
	var in struct {
		TableName    string
		RequestItems map[string]json.RawMessage
	}
	if json.Unmarshal(r.Body, &in) != nil {
		return nil // the operation's own decoding reports it
	}
	names := []string{in.TableName}
	for n := range in.RequestItems {
		names = append(names, n)
	}
	for _, n := range names {
		if acct, ok := tableARNAccount(n); ok && acct != s.account {
			action := "dynamodb:" + r.Operation
			return ddbError(nsService, "AccessDeniedException", http.StatusBadRequest,
				"User: "+r.Caller.ARN+" is not authorized to perform: "+action+" on resource: "+n+
					" because no resource-based policy allows the "+action+" action")
		}
	}
	return nil
}

// tableARNAccount is the account of arn:<partition>:dynamodb:<region>:<account>:table/<name>.
func tableARNAccount(ref string) (string, bool) {
	parts := strings.SplitN(ref, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "dynamodb" || !strings.HasPrefix(parts[5], "table/") {
		return "", false
	}
	return parts[4], true
}
