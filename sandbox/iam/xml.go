package iam

import "encoding/xml"

// Result shapes, encoded by the gateway inside <OpResult>. Element names are the IAM
// model's member names; lists are <Name><member>…</member></Name>.

// memberList encodes as <Name><member>…</member>…</Name>, keeping the wrapper when empty as
// AWS does for required lists.
type memberList[T any] []T

func (l memberList[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	member := xml.StartElement{Name: xml.Name{Local: "member"}}
	for _, v := range l {
		if err := e.EncodeElement(v, member); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type xmlUser struct {
	Path       string             `xml:"Path"`
	UserName   string             `xml:"UserName"`
	UserId     string             `xml:"UserId"`
	Arn        string             `xml:"Arn"`
	CreateDate string             `xml:"CreateDate"`
	Tags       memberList[xmlTag] `xml:"Tags,omitempty"`
}

type userResult struct {
	User xmlUser `xml:"User"`
}

type listUsersResult struct {
	Users       memberList[xmlUser] `xml:"Users"`
	IsTruncated bool                `xml:"IsTruncated"`
	Marker      string              `xml:"Marker,omitempty"`
}

type listUserTagsResult struct {
	Tags        memberList[xmlTag] `xml:"Tags"`
	IsTruncated bool               `xml:"IsTruncated"`
	Marker      string             `xml:"Marker,omitempty"`
}

type xmlAccessKey struct {
	UserName        string `xml:"UserName"`
	AccessKeyId     string `xml:"AccessKeyId"`
	Status          string `xml:"Status"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	CreateDate      string `xml:"CreateDate"`
}

type createAccessKeyResult struct {
	AccessKey xmlAccessKey `xml:"AccessKey"`
}

type xmlAccessKeyMetadata struct {
	UserName    string `xml:"UserName"`
	AccessKeyId string `xml:"AccessKeyId"`
	Status      string `xml:"Status"`
	CreateDate  string `xml:"CreateDate"`
}

type listAccessKeysResult struct {
	AccessKeyMetadata memberList[xmlAccessKeyMetadata] `xml:"AccessKeyMetadata"`
	IsTruncated       bool                             `xml:"IsTruncated"`
	Marker            string                           `xml:"Marker,omitempty"`
}

type xmlAttachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

type listAttachedUserPoliciesResult struct {
	AttachedPolicies memberList[xmlAttachedPolicy] `xml:"AttachedPolicies"`
	IsTruncated      bool                          `xml:"IsTruncated"`
	Marker           string                        `xml:"Marker,omitempty"`
}

type getUserPolicyResult struct {
	UserName       string `xml:"UserName"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"` // URL-encoded
}

type listUserPoliciesResult struct {
	PolicyNames memberList[string] `xml:"PolicyNames"`
	IsTruncated bool               `xml:"IsTruncated"`
	Marker      string             `xml:"Marker,omitempty"`
}

type xmlPolicy struct {
	PolicyName                    string `xml:"PolicyName"`
	PolicyId                      string `xml:"PolicyId"`
	Arn                           string `xml:"Arn"`
	Path                          string `xml:"Path"`
	DefaultVersionId              string `xml:"DefaultVersionId"`
	AttachmentCount               int    `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int    `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool   `xml:"IsAttachable"`
	Description                   string `xml:"Description,omitempty"`
	CreateDate                    string `xml:"CreateDate"`
	UpdateDate                    string `xml:"UpdateDate"`
}

type getPolicyResult struct {
	Policy xmlPolicy `xml:"Policy"`
}

type xmlPolicyVersion struct {
	Document         string `xml:"Document"` // URL-encoded
	VersionId        string `xml:"VersionId"`
	IsDefaultVersion bool   `xml:"IsDefaultVersion"`
	CreateDate       string `xml:"CreateDate"`
}

type getPolicyVersionResult struct {
	PolicyVersion xmlPolicyVersion `xml:"PolicyVersion"`
}

type listPoliciesResult struct {
	Policies    memberList[xmlPolicy] `xml:"Policies"`
	IsTruncated bool                  `xml:"IsTruncated"`
	Marker      string                `xml:"Marker,omitempty"`
}
