package steps

import (
	"context"
	"errors"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// ReadResult is one Scan of the table: the items, or the error that came back.
type ReadResult struct {
	As                  string
	Items               []Item
	ErrCode, ErrMessage string
}

// ViewAs reads the table as the admin and as the test user. Without a key for the test user
// in this process it makes one, as step 4 does (the old lab key's secret was not kept).
func (l *Lab) ViewAs(ctx context.Context) (admin, user ReadResult, err error) {
	admin, err = l.readAs(ctx, "admin", l.DynamoDB, "aws dynamodb scan --table-name "+l.Table, "")
	if err != nil {
		return admin, user, err
	}
	u, err := l.readUser(ctx, explainStep, true)
	if err != nil {
		return admin, user, err
	}
	if u == nil {
		return admin, user, errors.New("there is no IAM user named " + l.User + " yet (step 4 makes it)")
	}
	if err := l.ensureTestUserKey(ctx, explainStep, u); err != nil {
		return admin, user, err
	}
	// A key just made, or a policy just attached, may not be known everywhere yet: wait
	// for an answer that is about the read itself.
	err = l.waitFor(ctx, explainStep, "AWS to recognise "+l.User+"'s access key", "new IAM credentials and policies take a few seconds to reach every AWS endpoint",
		func(ctx context.Context) (bool, string, error) {
			var err error
			user, err = l.readAs(ctx, l.User, l.userClient(), "aws dynamodb scan --table-name "+l.Table+" --profile "+l.User, l.User)
			pending := user.ErrCode == "UnrecognizedClientException" || iamNotYet(readAs{code: user.ErrCode, msg: user.ErrMessage})
			return pending, user.ErrCode, err
		})
	return admin, user, err
}

// readAs scans with one client; an AWS error is part of the result, anything else (a
// network failure) is returned.
func (l *Lab) readAs(ctx context.Context, as string, client *dynamodb.Client, cli, asUser string) (ReadResult, error) {
	r := ReadResult{As: as}
	c := l.adminCall(explainStep, "dynamodb", "Scan", l.Table+" as "+as, cli)
	if asUser != "" {
		c = c.asUser(asUser)
	}
	items, err := l.scan(ctx, c, true, client)
	if err != nil {
		code, msg := errorParts(err)
		if code == "" {
			return r, err
		}
		r.ErrCode, r.ErrMessage = code, msg
		return r, nil
	}
	sort.Slice(items, func(i, j int) bool { return items[i]["id"] < items[j]["id"] })
	r.Items = items
	return r, nil
}
