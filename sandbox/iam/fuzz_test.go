package iam

import (
	"errors"
	"net/url"
	"sort"
	"testing"

	"github.com/kmslab/kmslab/sandbox/api"
)

// FuzzParseForm feeds arbitrary query strings to the form decoding of every operation:
// it must never panic, and every failure must be an *api.Error.
func FuzzParseForm(f *testing.F) {
	seeds := []string{
		"Action=CreateUser&Version=2010-05-08&UserName=nextwork-kms-user&Tags.member.1.Key=kmslab%3Alab&Tags.member.1.Value=nextwork",
		"UserName=u&Tags.member.2.Key=b&Tags.member.2.Value=2&Tags.member.1.Key=a&Tags.member.1.Value=1",
		"UserName=u&Tags.member.0.Key=x&Tags.member.-1.Value=y&Tags.member.+1.Key=z&Tags.member.1",
		"UserName=u&TagKeys.member.1=a&TagKeys.member.10=b&TagKeys.member.x=c",
		"UserName=u&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAmazonDynamoDBFullAccess",
		"UserName=u&PolicyName=p&PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%7D",
		"PathPrefix=%2Flab%2F&MaxItems=2&Marker=azE6Ym9i",
		"Scope=Local&OnlyAttached=true&MaxItems=99999999999999999999",
		"AccessKeyId=AKIAIOSFODNN7EXAMPLE&Status=Inactive",
		"Path=%2F%FF%2F&UserName=%00",
		"Tags=&Tags.member.1.Key=&Tags.member.1.Value=",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	st := newFuzzService(f)
	names := Operations()
	sort.Strings(names)
	f.Fuzz(func(t *testing.T, query string) {
		vals, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		// List decoding keeps index order and drops what does not parse.
		for _, prefix := range []string{"Tags", "TagKeys"} {
			_ = members(vals, prefix)
		}
		p := newParams(vals)
		_ = p.tags()
		_ = p.page()
		for _, op := range names {
			r := &api.Request{Operation: op, Form: vals, Caller: api.Principal{UserName: "admin", ARN: "arn:aws:iam::000000000000:user/admin"}}
			_, err := st.Targets(r)
			var ae *api.Error
			if err != nil && !errors.As(err, &ae) {
				t.Fatalf("%s: non-API error %T %v", op, err, err)
			}
		}
		// A marker that decodes must round-trip.
		if m := vals.Get("Marker"); m != "" {
			if k, ok := decodeMarker(m); ok && encodeMarker(k) != m {
				if k2, ok2 := decodeMarker(encodeMarker(k)); !ok2 || k2 != k {
					t.Fatalf("marker %q does not round-trip", m)
				}
			}
		}
	})
}

func newFuzzService(f *testing.F) *Service {
	byARN, list, err := loadManaged()
	if err != nil {
		f.Fatal(err)
	}
	return &Service{account: testAccount, managed: byARN, managedList: list,
		users: map[string]*user{}, byARN: map[string]*user{}, byLowerARN: map[string]*user{}, keys: map[string]*keyEntry{}}
}

func TestMembersOrder(t *testing.T) {
	v := form("Tags.member.10.Key", "j", "Tags.member.2.Key", "b", "Tags.member.1.Key", "a", "Tags.member.x.Key", "bad", "Other.member.1.Key", "o")
	got := members(v, "Tags")
	if len(got) != 3 || got[0]["Key"] != "a" || got[1]["Key"] != "b" || got[2]["Key"] != "j" {
		t.Fatalf("members = %v", got)
	}
	scalarsList := members(form("TagKeys.member.2", "y", "TagKeys.member.1", "x"), "TagKeys")
	if len(scalarsList) != 2 || scalarsList[0][""] != "x" || scalarsList[1][""] != "y" {
		t.Fatalf("scalar members = %v", scalarsList)
	}
}
