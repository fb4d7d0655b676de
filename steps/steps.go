// Package steps is the lab: the five steps of "Encrypt data with AWS KMS" and the clean-up,
// each with Run (makes the real AWS calls, one event per call), a read-only Check that reads
// the live state and returns a verdict with a cause code and evidence, and Undo. Every front
// end (TUI, plain text, JSON) shows the same story because it all comes from here.
package steps

import (
	"context"
	"errors"
	"fmt"
)

// Status is a step's verdict.
type Status string

const (
	Done              Status = "done"
	NotDone           Status = "not-done"
	Propagating       Status = "propagating"
	CannotDemonstrate Status = "cannot-demonstrate"
)

// Verdict is what Check found in the live state.
type Verdict struct {
	Status Status
	// Cause is a stable code hints are keyed by (TABLE_NOT_KMS, GRANT_MISSING, …).
	Cause string
	// Detail is one or two sentences for the student.
	Detail string
	// Evidence holds what the verdict rests on: ARNs, the error code and message seen.
	Evidence map[string]string
}

// Passed is true for the statuses that count as finishing the step on this target.
func (v Verdict) Passed() bool { return v.Status == Done || v.Status == CannotDemonstrate }

// Step is one step of the lab.
type Step struct {
	ID    string
	Title string
	// Needs lists the steps whose results this one builds on.
	Needs []string
	// Run makes the step true in the live state (idempotent) and returns the verdict of a
	// Check made after it.
	Run func(ctx context.Context, l *Lab) (Verdict, error)
	// Check is read-only.
	Check func(ctx context.Context, l *Lab) (Verdict, error)
	// Undo takes the step back (for replay and reset); only what the lab tagged.
	Undo func(ctx context.Context, l *Lab) error
}

// Step ids, as `check --json` reports them.
const (
	CreateKey    = "create-key"
	EncryptTable = "encrypt-table"
	AddItems     = "add-items"
	DenyUser     = "deny-user"
	GrantAccess  = "grant-access"
)

// All returns the five steps in order.
func All() []Step {
	return []Step{
		{ID: CreateKey, Title: "Create a customer managed key", Run: runCreateKey, Check: checkCreateKey, Undo: undoCreateKey},
		{ID: EncryptTable, Title: "Encrypt a DynamoDB table with the key", Needs: []string{CreateKey}, Run: runEncryptTable, Check: checkEncryptTable, Undo: undoEncryptTable},
		{ID: AddItems, Title: "Add items to the table", Needs: []string{EncryptTable}, Run: runAddItems, Check: checkAddItems, Undo: undoAddItems},
		{ID: DenyUser, Title: "Watch a user without kms:Decrypt be denied", Needs: []string{AddItems}, Run: runDenyUser, Check: checkDenyUser, Undo: undoDenyUser},
		{ID: GrantAccess, Title: "Grant the user access in the key policy", Needs: []string{DenyUser}, Run: runGrantAccess, Check: checkGrantAccess, Undo: undoGrantAccess},
	}
}

// ByID finds a step by id, or by its number "1"…"5".
func ByID(id string) (Step, bool) {
	for i, s := range All() {
		if s.ID == id || fmt.Sprint(i+1) == id {
			return s, true
		}
	}
	return Step{}, false
}

// IDs lists the step ids in order.
func IDs() []string {
	var ids []string
	for _, s := range All() {
		ids = append(ids, s.ID)
	}
	return ids
}

// PrereqError says a step cannot run yet because an earlier one is not done.
type PrereqError struct {
	Step, Need string
	Why        string
}

func (e *PrereqError) Error() string {
	return fmt.Sprintf("%s needs %s first: %s", e.Step, e.Need, e.Why)
}

// WaitError says a bounded wait for AWS to catch up ran out. It is not the student's
// mistake: running the step again picks up where it stopped.
type WaitError struct {
	What    string
	Waited  string
	LastErr string
}

func (e *WaitError) Error() string {
	msg := fmt.Sprintf("gave up after %s waiting for %s; AWS can be slow to catch up, so this is not a mistake in your work: run the step again", e.Waited, e.What)
	if e.LastErr != "" {
		msg += " (last answer: " + e.LastErr + ")"
	}
	return msg
}

// ErrNotLabResource is returned when Undo or clean-up meets a resource with the lab's name
// that kmslab did not make (no kmslab:lab tag): it is left alone.
var ErrNotLabResource = errors.New("not made by kmslab (no kmslab:lab tag), left alone")
