package iam

import (
	"fmt"
	"net/http"

	"github.com/kmslab/kmslab/sandbox/api"
)

// Version is the IAM API version the sandbox speaks.
const Version = "2010-05-08"

// Namespace is the XML namespace of IAM responses.
const Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"

func iamErr(code string, status int, format string, args ...any) *api.Error {
	return &api.Error{Code: code, Message: fmt.Sprintf(format, args...), Status: status}
}

func noSuchUser(name string) *api.Error {
	return iamErr("NoSuchEntity", http.StatusNotFound, "The user with name %s cannot be found.", name)
}

func noSuchPolicy(arn string) *api.Error {
	return iamErr("NoSuchEntity", http.StatusNotFound, "Policy %s does not exist or is not attachable.", arn)
}

func noSuchKey(id string) *api.Error {
	return iamErr("NoSuchEntity", http.StatusNotFound, "The Access Key with id %s cannot be found.", id)
}

func noSuchInline(name string) *api.Error {
	return iamErr("NoSuchEntity", http.StatusNotFound, "The user policy with name %s cannot be found.", name)
}

func deleteConflict(what string) *api.Error {
	return iamErr("DeleteConflict", http.StatusConflict, "Cannot delete entity, must %s first.", what)
}

// limitExceeded: AWS's sources do not show the status; 409 is the Query convention (UNCONFIRMED).
func limitExceeded(format string, args ...any) *api.Error {
	return iamErr("LimitExceeded", http.StatusConflict, format, args...)
}

func invalidInput(format string, args ...any) *api.Error {
	return iamErr("InvalidInput", http.StatusBadRequest, format, args...)
}

func malformedPolicy(msg string) *api.Error {
	return iamErr("MalformedPolicyDocument", http.StatusBadRequest, "%s", msg)
}

// InvalidAction is the Query protocol's error for an Action the service does not know.
func InvalidAction(op, version string) *api.Error {
	return iamErr("InvalidAction", http.StatusBadRequest, "Could not find operation %s for version %s", op, version)
}
