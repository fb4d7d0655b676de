package sandboxproc

import (
	"regexp"
	"strconv"
	"strings"
)

// Call is one AWS call line of `kmslab run` or `kmslab cleanup`:
//
//	ok       12ms  aws kms create-key --description …  → arn:aws:kms:…
type Call struct {
	Mark    string // ok, denied, error or read
	Took    string // as printed: 0ms, 1.2s, 12s
	CLI     string // the AWS CLI command, from "aws" on
	Service string // kms, dynamodb, iam, sts
	Op      string // create-key, scan, …
	Result  string // what came back, after the arrow
}

// Mutating tells whether the call changes state: anything but a describe, get, list, scan
// or query (so an operation this list does not know counts as a change).
func (c Call) Mutating() bool {
	for _, p := range []string{"describe-", "get-", "list-"} {
		if strings.HasPrefix(c.Op, p) {
			return false
		}
	}
	return c.Op != "scan" && c.Op != "query"
}

// StepCalls are the calls printed under one "Step n/m · title" header; N is 0 for calls
// before the first header.
type StepCalls struct {
	N, Of int
	Title string
	Calls []Call
}

var (
	stepHeader = regexp.MustCompile(`^Step (\d+)/(\d+) · (.+)$`)
	callMark   = regexp.MustCompile(`^  (ok|denied|error|read) `)
	callLine   = regexp.MustCompile(`^  (ok|denied|error|read) +(\d+(?:\.\d)?m?s)  (aws ([a-z0-9-]+) ([a-z0-9-]+)(?: .*)?)$`)
)

// ParseCall reads one call line; ok is false when line is not one.
func ParseCall(line string) (Call, bool) {
	line = strings.TrimRight(line, "\r")
	cli, result, _ := strings.Cut(line, "  → ")
	m := callLine.FindStringSubmatch(cli)
	if m == nil {
		return Call{}, false
	}
	return Call{Mark: m[1], Took: m[2], CLI: strings.TrimSpace(m[3]), Service: m[4], Op: m[5], Result: result}, true
}

// ParseRun groups the call lines of a command's output under their step headers. bad
// holds the lines that start like a call ("  ok ", "  denied ", …) but do not go on with a
// duration and an AWS CLI command.
func ParseRun(out string) (steps []StepCalls, bad []string) {
	cur := -1
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		if m := stepHeader.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			of, _ := strconv.Atoi(m[2])
			steps = append(steps, StepCalls{N: n, Of: of, Title: m[3]})
			cur = len(steps) - 1
			continue
		}
		if !callMark.MatchString(line) {
			continue
		}
		c, ok := ParseCall(line)
		if !ok {
			bad = append(bad, line)
			continue
		}
		if cur < 0 {
			steps = append(steps, StepCalls{})
			cur = 0
		}
		steps[cur].Calls = append(steps[cur].Calls, c)
	}
	return steps, bad
}

// AllCalls is every call of ParseRun's steps, in order.
func AllCalls(steps []StepCalls) []Call {
	var all []Call
	for _, s := range steps {
		all = append(all, s.Calls...)
	}
	return all
}
