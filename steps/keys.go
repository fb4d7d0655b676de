package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// maxKeysExamined bounds the search for the lab's keys in a busy account.
const maxKeysExamined = 200

type labKey struct {
	id, arn string
	state   kmstypes.KeyState
	aliases []string // the lab's alias, if it points here
}

// labKeys finds the keys this lab made: customer managed keys with the lab's description
// and tag, whether or not the alias still points at them.
func (l *Lab) labKeys(ctx context.Context, step string, check bool) ([]labKey, error) {
	aliasOf := map[string][]string{}
	c := l.adminCall(step, "kms", "ListAliases", "all aliases", "aws kms list-aliases")
	if check {
		c = c.forCheck()
	}
	err := l.do(ctx, c, func(ctx context.Context) (string, string, error) {
		p := kms.NewListAliasesPaginator(l.KMS, &kms.ListAliasesInput{})
		n := 0
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return "", "", err
			}
			for _, a := range page.Aliases {
				n++
				if a.TargetKeyId != nil {
					aliasOf[*a.TargetKeyId] = append(aliasOf[*a.TargetKeyId], aws.ToString(a.AliasName))
				}
			}
		}
		return fmt.Sprintf("%d aliases", n), "", nil
	})
	if err != nil {
		return nil, err
	}
	var ids []string
	c.op, c.summary, c.cli = "ListKeys", "all keys", "aws kms list-keys"
	err = l.do(ctx, c, func(ctx context.Context) (string, string, error) {
		p := kms.NewListKeysPaginator(l.KMS, &kms.ListKeysInput{})
		for p.HasMorePages() && len(ids) < maxKeysExamined {
			page, err := p.NextPage(ctx)
			if err != nil {
				return "", "", err
			}
			for _, k := range page.Keys {
				ids = append(ids, aws.ToString(k.KeyId))
			}
		}
		return fmt.Sprintf("%d keys", len(ids)), "", nil
	})
	if err != nil {
		return nil, err
	}
	var found []labKey
	for _, id := range ids {
		aliases := aliasOf[id]
		if !candidateKey(aliases, l.Alias) {
			continue
		}
		k, ok, err := l.examineKey(ctx, c, id)
		if err != nil {
			return nil, err
		}
		if ok {
			for _, a := range aliases {
				if a == l.Alias {
					k.aliases = append(k.aliases, a)
				}
			}
			found = append(found, k)
		}
	}
	return found, nil
}

// candidateKey skips keys that carry only other aliases (AWS managed keys, the student's
// other keys): the lab's keys have its alias or none.
func candidateKey(aliases []string, ours string) bool {
	if len(aliases) == 0 {
		return true
	}
	for _, a := range aliases {
		if a == ours {
			return true
		}
	}
	return false
}

// examineKey reads a key's metadata and, for one with the lab's description, its tags.
func (l *Lab) examineKey(ctx context.Context, c call, id string) (labKey, bool, error) {
	var md *kmstypes.KeyMetadata
	c.op, c.summary, c.cli = "DescribeKey", id, "aws kms describe-key --key-id "+id
	err := l.do(ctx, c, func(ctx context.Context) (string, string, error) {
		out, err := l.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
		if err != nil {
			if isCode(err, "NotFoundException", "AccessDeniedException") {
				return "skipped: " + errCode(err), "", nil
			}
			return "", "", err
		}
		md = out.KeyMetadata
		return fmt.Sprintf("%s · %s", md.KeyManager, md.KeyState), "", nil
	})
	if err != nil || md == nil || md.KeyManager != kmstypes.KeyManagerTypeCustomer || aws.ToString(md.Description) != l.keyDescription() {
		return labKey{}, false, err
	}
	tagged := false
	c.op, c.summary, c.cli = "ListResourceTags", id, "aws kms list-resource-tags --key-id "+id
	err = l.do(ctx, c, func(ctx context.Context) (string, string, error) {
		out, err := l.KMS.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String(id)})
		if err != nil {
			return "", "", err
		}
		for _, t := range out.Tags {
			if aws.ToString(t.TagKey) == TagKey && aws.ToString(t.TagValue) == l.Prefix {
				tagged = true
			}
		}
		if tagged {
			return "tagged " + TagKey + "=" + l.Prefix, "", nil
		}
		return "not the lab's", "", nil
	})
	return labKey{id: id, arn: aws.ToString(md.Arn), state: md.KeyState}, tagged, err
}

// planRetireKeys deletes the lab's alias and schedules each key's deletion after the
// shortest window AWS allows (7 days). A key waiting for deletion is not billed.
func (l *Lab) planRetireKeys(step string, keys []labKey) []action {
	var acts []action
	for _, k := range keys {
		for _, a := range k.aliases {
			acts = append(acts, action{l.adminCall(step, "kms", "DeleteAlias", a, "aws kms delete-alias --alias-name "+a),
				func(ctx context.Context) (string, error) {
					_, err := l.KMS.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String(a)})
					if isCode(err, "NotFoundException") {
						return "already gone", nil
					}
					return "alias deleted", err
				}})
		}
		if k.state == kmstypes.KeyStatePendingDeletion {
			continue
		}
		acts = append(acts, action{l.adminCall(step, "kms", "ScheduleKeyDeletion", k.id+", 7-day window",
			"aws kms schedule-key-deletion --key-id "+k.id+" --pending-window-in-days 7"),
			func(ctx context.Context) (string, error) {
				out, err := l.KMS.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(k.id), PendingWindowInDays: aws.Int32(7)})
				if isCode(err, "KMSInvalidStateException") && strings.Contains(errorMessage(err), "pending deletion") {
					return "already scheduled for deletion", nil
				}
				if err != nil {
					return "", err
				}
				when := "in 7 days"
				if out.DeletionDate != nil {
					when = "on " + out.DeletionDate.UTC().Format("2006-01-02 15:04 MST")
				}
				return "the key will be deleted " + when + "; a key waiting for deletion is not billed, and you can still cancel", nil
			}})
	}
	return acts
}

func errorMessage(err error) string {
	_, msg := errorParts(err)
	return msg
}
