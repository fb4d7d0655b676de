package steps

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CleanupStep is the id clean-up events carry.
const CleanupStep = "cleanup"

// Planned is one change clean-up makes (or, with a dry run, would make).
type Planned struct {
	Service, Operation, Summary, CLI string
}

// Cleanup removes what the lab made, and only what carries its tag: the test user's access
// keys, its policy attachments and the user; the table; the alias; then it schedules the
// key's deletion (7 days). With dryRun it only reads the state and returns the calls it
// would make.
func (l *Lab) Cleanup(ctx context.Context, dryRun bool) ([]Planned, error) {
	var acts []action
	userActs, err := l.planDeleteUser(ctx, CleanupStep)
	if err != nil {
		return nil, err
	}
	acts = append(acts, userActs...)
	tableActs, err := l.planDeleteTable(ctx, CleanupStep)
	if err != nil {
		return nil, err
	}
	acts = append(acts, tableActs...)
	keys, err := l.labKeys(ctx, CleanupStep, true)
	if err != nil {
		return nil, err
	}
	acts = append(acts, l.planRetireKeys(CleanupStep, keys)...)
	plan := make([]Planned, len(acts))
	for i, a := range acts {
		plan[i] = Planned{Service: a.c.service, Operation: a.c.op, Summary: a.c.summary, CLI: a.c.cli}
	}
	if dryRun {
		return plan, nil
	}
	if err := l.execute(ctx, acts); err != nil {
		return plan, err
	}
	l.forgetTestUserKey()
	l.mu.Lock()
	l.notes = map[string]string{}
	l.mu.Unlock()
	return plan, nil
}

func (l *Lab) planDeleteTable(ctx context.Context, step string) ([]action, error) {
	td, err := l.describeTable(ctx, step, true)
	if err != nil || td == nil || td.TableStatus == ddbtypes.TableStatusDeleting {
		return nil, err
	}
	tagged, err := l.tableTagged(ctx, step, aws.ToString(td.TableArn))
	if err != nil {
		return nil, err
	}
	if !tagged {
		l.info(step, "Table "+l.Table+" was "+ErrNotLabResource.Error()+".")
		return nil, nil
	}
	return []action{{l.adminCall(step, "dynamodb", "DeleteTable", l.Table, "aws dynamodb delete-table --table-name "+l.Table),
		func(ctx context.Context) (string, error) {
			_, err := l.DynamoDB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(l.Table)})
			if isCode(err, "ResourceNotFoundException") {
				return "already gone", nil
			}
			return "table deleted with its items", err
		}}}, nil
}
