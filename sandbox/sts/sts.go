// Package sts is the sandbox's STS: GetCallerIdentity over the Query protocol
// (Version 2011-06-15). It needs no permission, as on AWS, so it works for any valid
// credentials, even a caller denied everything.
package sts

import (
	"fmt"
	"net/http"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/iam"
)

// Version is the STS API version.
const Version = "2011-06-15"

// Namespace is the XML namespace of STS responses.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// Service is the STS service.
type Service struct {
	iam     *iam.Service
	account string
}

var _ api.Service = (*Service)(nil)

// New returns STS for the account, resolving unique ids through IAM (which may be nil).
func New(iamSvc *iam.Service, accountID string) *Service {
	if accountID == "" {
		accountID = api.DefaultAccountID
	}
	return &Service{iam: iamSvc, account: accountID}
}

// Name is the SigV4 signing name.
func (s *Service) Name() string { return "sts" }

// Protocol is awsQuery.
func (s *Service) Protocol() api.Protocol { return api.Query }

// GetCallerIdentityResult is encoded inside <GetCallerIdentityResult>.
type GetCallerIdentityResult struct {
	Arn     string `xml:"Arn"`
	UserId  string `xml:"UserId"`
	Account string `xml:"Account"`
}

func operation(r *api.Request) string {
	if r.Operation != "" {
		return r.Operation
	}
	return r.Form.Get("Action")
}

// check rejects what STS does not implement, as AWS rejects an unknown Action.
func check(r *api.Request) error {
	op := operation(r)
	version := Version
	if v := r.Form.Get("Version"); v != "" {
		version = v
	}
	if op != "GetCallerIdentity" || version != Version {
		return &api.Error{Code: "InvalidAction", Message: fmt.Sprintf("Could not find operation %s for version %s", op, version), Status: http.StatusBadRequest}
	}
	return nil
}

// Targets returns no targets: GetCallerIdentity needs no permission.
func (s *Service) Targets(r *api.Request) ([]api.Target, error) {
	if err := check(r); err != nil {
		return nil, err
	}
	return []api.Target{}, nil
}

// Handle answers GetCallerIdentity.
func (s *Service) Handle(r *api.Request) (any, error) {
	if err := check(r); err != nil {
		return nil, err
	}
	c := r.Caller
	res := GetCallerIdentityResult{Arn: c.ARN, UserId: c.UserID, Account: c.AccountID}
	if res.Account == "" {
		res.Account = s.account
	}
	if res.UserId == "" && s.iam != nil {
		if id, ok := s.iam.UniqueIDFor(c.ARN); ok {
			res.UserId = id
		}
	}
	if res.UserId == "" && res.Arn == "arn:aws:iam::"+res.Account+":root" {
		res.UserId = res.Account // the root user's id is the account id
	}
	return res, nil
}
