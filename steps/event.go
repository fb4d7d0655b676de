package steps

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/smithy-go"
)

// Phase says what an event reports.
type Phase string

const (
	// CallStart: an AWS call is about to be sent (a spinner may start).
	CallStart Phase = "start"
	// CallEnd: the call came back, with its result or error.
	CallEnd Phase = "end"
	// Waiting: the lab is waiting for AWS to catch up; Note says on what and why.
	Waiting Phase = "waiting"
	// Info: a remark for the student (a skipped call, a finding).
	Info Phase = "info"
)

// Event is one thing that happened while a step ran: mostly one AWS call.
type Event struct {
	Seq   int
	Step  string
	Phase Phase
	// Check is true for the read-only calls a Check makes.
	Check bool

	Service   string // kms, dynamodb, iam, sts
	Operation string // CreateKey
	// As names who made the call: "admin" (the student) or the test user's name.
	As string
	// Summary is a one-line summary of the request.
	Summary string
	// CLI is the equivalent AWS CLI command.
	CLI string

	Duration time.Duration
	// Result is a one-line summary of the answer; Detail may hold more lines (items, a
	// policy diff).
	Result string
	Detail string
	// ErrCode and ErrMessage are the AWS error, when the call failed.
	ErrCode    string
	ErrMessage string

	// Note explains an Info or Waiting event; Elapsed is how long the wait has lasted.
	Note    string
	Elapsed time.Duration
}

// Failed is true for a call that came back with an error.
func (e Event) Failed() bool { return e.Phase == CallEnd && (e.ErrCode != "" || e.ErrMessage != "") }

func (l *Lab) emit(e Event) {
	if l.opts.Emit == nil {
		return
	}
	l.mu.Lock()
	l.seq++
	e.Seq = l.seq
	l.mu.Unlock()
	l.opts.Emit(e)
}

// call describes an AWS call about to be made.
type call struct {
	step, service, op, as, summary, cli string
	check                               bool
}

func (l *Lab) adminCall(step, service, op, summary, cli string) call {
	return call{step: step, service: service, op: op, as: "admin", summary: summary, cli: cli}
}

func (c call) forCheck() call { c.check = true; return c }

func (c call) asUser(name string) call { c.as = name; return c }

// do runs fn as the call described by c, emitting a start and an end event. fn returns a
// one-line result and optional detail lines.
func (l *Lab) do(ctx context.Context, c call, fn func(ctx context.Context) (result, detail string, err error)) error {
	base := Event{Step: c.step, Check: c.check, Service: c.service, Operation: c.op, As: c.as, Summary: c.summary, CLI: c.cli}
	start := base
	start.Phase = CallStart
	l.emit(start)
	t0 := time.Now()
	result, detail, err := fn(ctx)
	end := base
	end.Phase = CallEnd
	end.Duration = time.Since(t0)
	end.Result, end.Detail = result, detail
	if err != nil {
		end.ErrCode, end.ErrMessage = errorParts(err)
		if isDenial(end.ErrCode, end.ErrMessage) {
			l.recordDenial(end.ErrMessage)
		}
	}
	l.emit(end)
	return err
}

func (l *Lab) info(step, note string) {
	l.emit(Event{Step: step, Phase: Info, Note: note})
}

// errorParts splits an SDK error into AWS's code and message.
func errorParts(err error) (code, msg string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	if errors.Is(err, context.Canceled) {
		return "Canceled", "the call was cancelled"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "Timeout", "the call took too long"
	}
	return "", err.Error()
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func isCode(err error, codes ...string) bool {
	c := errCode(err)
	for _, want := range codes {
		if c == want {
			return true
		}
	}
	return false
}

// waitFor polls try with backoff until it reports done, the bounded wait runs out, or ctx
// ends. why is shown to the student while waiting ("AWS takes a few seconds to recognise a
// new access key"). try returns pending=true with the answer it saw to keep waiting.
func (l *Lab) waitFor(ctx context.Context, step, what, why string, try func(ctx context.Context) (pending bool, last string, err error)) error {
	return l.waitUpTo(ctx, l.opts.MaxWait, step, what, why, try)
}

// waitUpTo is waitFor with its own bound.
func (l *Lab) waitUpTo(ctx context.Context, limit time.Duration, step, what, why string, try func(ctx context.Context) (pending bool, last string, err error)) error {
	t0 := time.Now()
	delay := l.opts.PollStart
	for attempt := 0; ; attempt++ {
		pending, last, err := try(ctx)
		if err != nil || !pending {
			return err
		}
		elapsed := time.Since(t0)
		if elapsed+delay > limit {
			return &WaitError{What: what, Waited: elapsed.Round(100 * time.Millisecond).String(), LastErr: last}
		}
		l.emit(Event{Step: step, Phase: Waiting, Note: fmt.Sprintf("waiting for %s: %s", what, why), Result: last, Elapsed: elapsed})
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*8/5, l.opts.PollMax)
	}
}
