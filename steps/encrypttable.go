package steps

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func (l *Lab) describeTable(ctx context.Context, step string, check bool) (*ddbtypes.TableDescription, error) {
	c := l.adminCall(step, "dynamodb", "DescribeTable", l.Table, "aws dynamodb describe-table --table-name "+l.Table)
	if check {
		c = c.forCheck()
	}
	var td *ddbtypes.TableDescription
	err := l.do(ctx, c, func(ctx context.Context) (string, string, error) {
		out, err := l.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(l.Table)})
		if err != nil {
			if isCode(err, "ResourceNotFoundException") {
				return "no such table", "", nil
			}
			return "", "", err
		}
		td = out.Table
		return tableSummary(td), "", nil
	})
	return td, err
}

func tableSummary(td *ddbtypes.TableDescription) string {
	s := string(td.TableStatus)
	if sse := td.SSEDescription; sse != nil {
		s += fmt.Sprintf(" · SSE %s %s %s", sse.Status, sse.SSEType, aws.ToString(sse.KMSMasterKeyArn))
	} else {
		s += " · encrypted with an AWS owned key"
	}
	return s
}

// tableVerdict judges the table against the key the alias points at (md may be nil).
func (l *Lab) tableVerdict(td *ddbtypes.TableDescription, md *kmstypes.KeyMetadata) Verdict {
	if td == nil {
		return Verdict{Status: NotDone, Cause: "TABLE_MISSING", Detail: "There is no table named " + l.Table + " yet."}
	}
	ev := map[string]string{"tableArn": aws.ToString(td.TableArn), "tableStatus": string(td.TableStatus)}
	sse := td.SSEDescription
	if sse != nil {
		ev["sseStatus"], ev["sseType"], ev["kmsMasterKeyArn"] = string(sse.Status), string(sse.SSEType), aws.ToString(sse.KMSMasterKeyArn)
	}
	switch {
	case td.TableStatus == ddbtypes.TableStatusCreating || td.TableStatus == ddbtypes.TableStatusUpdating:
		return Verdict{Status: Propagating, Cause: "TABLE_NOT_ACTIVE", Detail: "The table is " + string(td.TableStatus) + "; DynamoDB takes a few seconds.", Evidence: ev}
	case td.TableStatus == ddbtypes.TableStatusInaccessibleEncryptionCredentials:
		return Verdict{Status: NotDone, Cause: "KEY_INACCESSIBLE", Detail: "DynamoDB cannot use the table's key (disabled, scheduled for deletion or its policy changed).", Evidence: ev}
	case sse == nil || sse.SSEType != ddbtypes.SSETypeKms:
		return Verdict{Status: NotDone, Cause: "TABLE_NOT_KMS", Detail: "The table is encrypted with the AWS owned key, not your key: set its encryption to a customer managed key.", Evidence: ev}
	case sse.Status == ddbtypes.SSEStatusEnabling || sse.Status == ddbtypes.SSEStatusUpdating:
		return Verdict{Status: Propagating, Cause: "SSE_CHANGING", Detail: "DynamoDB is switching the table to your key.", Evidence: ev}
	case md == nil:
		return Verdict{Status: NotDone, Cause: "KEY_MISSING", Detail: "The table uses a KMS key, but there is no key with the alias " + l.Alias + " to compare it with.", Evidence: ev}
	case aws.ToString(sse.KMSMasterKeyArn) != aws.ToString(md.Arn):
		return Verdict{Status: NotDone, Cause: "WRONG_KEY_ON_TABLE", Detail: "The table is encrypted with a different KMS key (" + aws.ToString(sse.KMSMasterKeyArn) + "), not " + l.Alias + ".", Evidence: ev}
	case sse.Status != ddbtypes.SSEStatusEnabled:
		return Verdict{Status: NotDone, Cause: "SSE_NOT_ENABLED", Detail: "The table's encryption is " + string(sse.Status) + ".", Evidence: ev}
	case td.TableStatus != ddbtypes.TableStatusActive:
		return Verdict{Status: NotDone, Cause: "TABLE_NOT_ACTIVE", Detail: "The table is " + string(td.TableStatus) + ".", Evidence: ev}
	}
	return Verdict{Status: Done, Detail: "The table " + l.Table + " is ACTIVE and encrypted with your key " + l.Alias + ".", Evidence: ev}
}

func checkEncryptTable(ctx context.Context, l *Lab) (Verdict, error) {
	td, err := l.describeTable(ctx, EncryptTable, true)
	if err != nil || td == nil {
		return l.tableVerdict(td, nil), err
	}
	md, err := l.describeAlias(ctx, EncryptTable, true)
	if err != nil {
		return Verdict{}, err
	}
	return l.tableVerdict(td, md), nil
}

// labKeyFor returns the lab's usable key, or a PrereqError.
func (l *Lab) labKeyFor(ctx context.Context, step string) (*kmstypes.KeyMetadata, error) {
	md, err := l.describeAlias(ctx, step, false)
	if err != nil {
		return nil, err
	}
	if v := keyVerdict(md, l.Alias); v.Status != Done {
		return nil, &PrereqError{Step: step, Need: CreateKey, Why: v.Detail}
	}
	return md, nil
}

func runEncryptTable(ctx context.Context, l *Lab) (Verdict, error) {
	md, err := l.labKeyFor(ctx, EncryptTable)
	if err != nil {
		return Verdict{}, err
	}
	keyARN := aws.ToString(md.Arn)
	td, err := l.describeTable(ctx, EncryptTable, false)
	if err != nil {
		return Verdict{}, err
	}
	sse := &ddbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: ddbtypes.SSETypeKms, KMSMasterKeyId: aws.String(keyARN)}
	sseCLI := "Enabled=true,SSEType=KMS,KMSMasterKeyId=" + keyARN
	switch v := l.tableVerdict(td, md); {
	case td == nil:
		err = l.do(ctx, l.adminCall(EncryptTable, "dynamodb", "CreateTable", l.Table+" (id: string) · on demand · SSE KMS "+l.Alias,
			"aws dynamodb create-table --table-name "+l.Table+" --attribute-definitions AttributeName=id,AttributeType=S --key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST --sse-specification "+sseCLI+" --tags Key="+TagKey+",Value="+l.Prefix),
			func(ctx context.Context) (string, string, error) {
				out, err := l.DynamoDB.CreateTable(ctx, &dynamodb.CreateTableInput{
					TableName:            aws.String(l.Table),
					AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
					KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
					BillingMode:          ddbtypes.BillingModePayPerRequest,
					SSESpecification:     sse,
					Tags:                 []ddbtypes.Tag{{Key: aws.String(TagKey), Value: aws.String(l.Prefix)}},
				})
				if isCode(err, "ResourceInUseException") {
					return "the table exists already", "", nil
				}
				if err != nil {
					return "", "", err
				}
				return tableSummary(out.TableDescription), "", nil
			})
	case v.Cause == "TABLE_NOT_KMS" || v.Cause == "WRONG_KEY_ON_TABLE":
		err = l.do(ctx, l.adminCall(EncryptTable, "dynamodb", "UpdateTable", l.Table+" · SSE KMS "+l.Alias,
			"aws dynamodb update-table --table-name "+l.Table+" --sse-specification "+sseCLI),
			func(ctx context.Context) (string, string, error) {
				out, err := l.DynamoDB.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(l.Table), SSESpecification: sse})
				if err != nil {
					return "", "", err
				}
				return tableSummary(out.TableDescription), "", nil
			})
	}
	if err != nil {
		return Verdict{}, err
	}
	return l.awaitTable(ctx, md)
}

// awaitTable waits while the table is being created or switched to the key.
func (l *Lab) awaitTable(ctx context.Context, md *kmstypes.KeyMetadata) (Verdict, error) {
	var v Verdict
	err := l.waitFor(ctx, EncryptTable, "the table to become ACTIVE", "DynamoDB creates the table and its table key in the background",
		func(ctx context.Context) (bool, string, error) {
			td, err := l.describeTable(ctx, EncryptTable, true)
			if err != nil {
				return false, "", err
			}
			v = l.tableVerdict(td, md)
			// Just after CreateTable a table may not be visible yet.
			return v.Status == Propagating || v.Cause == "TABLE_MISSING", v.Detail, nil
		})
	return v, err
}

func undoEncryptTable(ctx context.Context, l *Lab) error {
	acts, err := l.planDeleteTable(ctx, EncryptTable)
	if err != nil {
		return err
	}
	return l.execute(ctx, acts)
}

// tableTagged reads the table's tags: only a table the lab made is deleted.
func (l *Lab) tableTagged(ctx context.Context, step, arn string) (bool, error) {
	tagged := false
	err := l.do(ctx, l.adminCall(step, "dynamodb", "ListTagsOfResource", l.Table, "aws dynamodb list-tags-of-resource --resource-arn "+arn),
		func(ctx context.Context) (string, string, error) {
			out, err := l.DynamoDB.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn)})
			if err != nil {
				return "", "", err
			}
			for _, t := range out.Tags {
				if aws.ToString(t.Key) == TagKey && aws.ToString(t.Value) == l.Prefix {
					tagged = true
				}
			}
			if tagged {
				return "tagged " + TagKey + "=" + l.Prefix, "", nil
			}
			return "not the lab's", "", nil
		})
	return tagged, err
}
