package kms

import (
	"fmt"
	"net/http"

	"github.com/kmslab/kmslab/sandbox/api"
)

// kmsErr builds a KMS error: bare code, lower-case "message", HTTP 400.
func kmsErr(code, msg string) *api.Error {
	return &api.Error{Code: code, Message: msg, Status: http.StatusBadRequest, MessageKey: "message"}
}

func errNotFound(format string, args ...any) *api.Error {
	return kmsErr("NotFoundException", fmt.Sprintf(format, args...))
}

// errKeyMissing is AWS's text for a well-formed key id or ARN that names no key.
func errKeyMissing(arn string) *api.Error { return errNotFound("Key '%s' does not exist", arn) }

// errBadKeyID is AWS's text for a key id that is not even well formed.
func errBadKeyID(ref string) *api.Error { return errNotFound("Invalid keyId '%s'", ref) }

// errAliasMissing names the alias by its ARN, as AWS does.
func errAliasMissing(aliasARN string) *api.Error {
	return errNotFound("Alias %s is not found.", aliasARN)
}

func errDisabled(arn string) *api.Error { return kmsErr("DisabledException", arn+" is disabled.") }

func errPending(arn string) *api.Error {
	return kmsErr("KMSInvalidStateException", arn+" is pending deletion.")
}

func errNotPending(arn string) *api.Error {
	return kmsErr("KMSInvalidStateException", arn+" is not pending deletion.")
}

func errMalformedPolicy(msg string) *api.Error {
	return kmsErr("MalformedPolicyDocumentException", msg)
}

// errInvalidCiphertext carries no message: AWS sends InvalidCiphertextException bare.
func errInvalidCiphertext() *api.Error { return kmsErr("InvalidCiphertextException", "") }

func errIncorrectKey() *api.Error {
	return kmsErr("IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
}

func errValidation(format string, args ...any) *api.Error {
	return kmsErr("ValidationException", fmt.Sprintf(format, args...))
}

// errNull is the model-validation text for a missing required member.
func errNull(member string) *api.Error {
	return errValidation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

// errConstraint is the model-validation text for a member that breaks a constraint.
func errConstraint(value any, member, constraint string) *api.Error {
	return errValidation("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

// errSecretConstraint leaves the value out, as AWS does for sensitive members (plaintext).
func errSecretConstraint(member, constraint string) *api.Error {
	return errValidation("1 validation error detected: Value at '%s' failed to satisfy constraint: %s", member, constraint)
}

func errUnsupported(msg string) *api.Error { return kmsErr("UnsupportedOperationException", msg) }

func errDryRun() *api.Error {
	return kmsErr("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
}

// errInternal hides the Go error: nothing internal reaches the wire.
func errInternal() *api.Error {
	return &api.Error{Code: "KMSInternalException", Message: "The request could not be completed because of an internal error.", Status: http.StatusInternalServerError, MessageKey: "message", Receiver: true}
}

// errBadBody is returned when the JSON body cannot be decoded into the operation's input.
func errBadBody() *api.Error {
	return kmsErr("SerializationException", "The request body could not be read as the operation's JSON input.")
}
