package dynamodb

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
	"github.com/kmslab/kmslab/sandbox/dynamodb/expr"
)

// DynamoDB's JSON __type namespaces.
const (
	nsDynamo   = "com.amazonaws.dynamodb.v20120810#"
	nsValidate = "com.amazon.coral.validate#"
	nsService  = "com.amazon.coral.service#"
)

func ddbError(ns, code string, status int, msg string) *api.Error {
	return &api.Error{Code: code, Type: ns + code, Message: msg, Status: status, MessageKey: "Message"}
}

// validation is a ValidationException.
func validation(format string, args ...any) *api.Error {
	return ddbError(nsValidate, "ValidationException", http.StatusBadRequest, fmt.Sprintf(format, args...))
}

// invalidParams is the common "One or more parameter values were invalid: …" form.
func invalidParams(format string, args ...any) *api.Error {
	return validation("One or more parameter values were invalid: "+format, args...)
}

func notFound(msg string) *api.Error {
	return ddbError(nsDynamo, "ResourceNotFoundException", http.StatusBadRequest, msg)
}

func tableNotFound() *api.Error { return notFound("Requested resource not found") }

func inUse(msg string) *api.Error {
	return ddbError(nsDynamo, "ResourceInUseException", http.StatusBadRequest, msg)
}

func conditionFailed() *api.Error {
	return ddbError(nsDynamo, "ConditionalCheckFailedException", http.StatusBadRequest, "The conditional request failed")
}

// conditionFailedWith is a ConditionalCheckFailedException carrying the item that failed
// the condition, as ReturnValuesOnConditionCheckFailure ALL_OLD returns it ("Item", in
// DynamoDB JSON); nil when no item was there.
func conditionFailedWith(old attr.Item) *api.Error {
	e := conditionFailed()
	if old != nil {
		e.Extra = map[string]any{"Item": old}
	}
	return e
}

func serialization(msg string) *api.Error {
	return ddbError(nsService, "SerializationException", http.StatusBadRequest, msg)
}

func internalError() *api.Error {
	e := ddbError(nsDynamo, "InternalServerError", http.StatusInternalServerError, "Internal server error")
	e.Receiver = true
	return e
}

// constraint collects "Value 'x' at 'y' failed to satisfy constraint: z" findings into
// DynamoDB's "N validation errors detected: a; b" form.
type constraint []string

func (c *constraint) add(value any, at, rule string) {
	v := "null"
	if value != nil {
		v = fmt.Sprintf("'%v'", value)
	}
	*c = append(*c, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", v, at, rule))
}

func (c constraint) err() error {
	switch len(c) {
	case 0:
		return nil
	case 1:
		return validation("1 validation error detected: %s", c[0])
	}
	return validation("%d validation errors detected: %s", len(c), strings.Join(c, "; "))
}

// fromAttr maps an attr or expr error to DynamoDB's exception.
func fromAttr(err error) error {
	var ae *attr.Error
	if errors.As(err, &ae) {
		if ae.Serialization {
			return serialization(ae.Message)
		}
		return validation("%s", ae.Message)
	}
	var ee *expr.Error
	if errors.As(err, &ee) {
		return validation("%s", ee.Message)
	}
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		return apiErr
	}
	return internalError()
}

// kmsError wraps a KeyBroker failure the way DynamoDB reports KMS exceptions: the Java
// client's exception text inside a DynamoDB exception.
func kmsError(err error) error {
	var ke *api.Error
	if !errors.As(err, &ke) {
		return internalError()
	}
	class := "com.amazonaws.services.kms.model." + ke.Code
	status := ke.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	switch ke.Code {
	case "AccessDeniedException", "ValidationException", "":
		// KMS's Java model has no class for these; the client raises its base exception.
		class = "com.amazonaws.services.kms.model.AWSKMSException"
	}
	text := fmt.Sprintf("%s: %s (Service: AWSKMS; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
		class, ke.Message, status, ke.Code, uuid.NewString())
	switch ke.Code {
	case "AccessDeniedException":
		return ddbError(nsService, "AccessDeniedException", http.StatusBadRequest, "KMS key access denied error: "+text)
	case "DisabledException":
		return validation("KMS key disabled error: %s", text)
	case "KMSInvalidStateException", "NotFoundException", "InvalidArnException", "InvalidKeyUsageException":
		return validation("KMS validation error: %s", text)
	}
	e := ddbError(nsDynamo, "InternalServerError", http.StatusInternalServerError, "KMS internal error: "+text)
	e.Receiver = true
	return e
}
