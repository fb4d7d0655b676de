// Package expr gives DynamoDB's expression language (condition, filter, key condition,
// projection and update expressions) its DynamoDB meaning. Parsing is done by minidyn's
// lexer and parser (github.com/truora/minidyn/interpreter/language); this package checks
// the parse tree the way DynamoDB does, resolves #name and :value placeholders, and
// evaluates over attr values with exact decimal numbers.
package expr

import "fmt"

// Kind names an expression parameter, as DynamoDB prints it in messages.
type Kind string

// The expression parameters.
const (
	Condition    Kind = "ConditionExpression"
	Filter       Kind = "FilterExpression"
	KeyCondition Kind = "KeyConditionExpression"
	Projection   Kind = "ProjectionExpression"
	Update       Kind = "UpdateExpression"
)

// Error is a ValidationException message.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

func errorf(format string, args ...any) *Error { return &Error{Message: fmt.Sprintf(format, args...)} }

// invalidf words an "Invalid <Kind>: …" message.
func invalidf(k Kind, format string, args ...any) *Error {
	return &Error{Message: "Invalid " + string(k) + ": " + fmt.Sprintf(format, args...)}
}
