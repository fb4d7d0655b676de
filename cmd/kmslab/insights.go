package main

import (
	"context"
	"strings"

	"github.com/kmslab/kmslab/steps"
)

// labInsights gives the TUI's why, view-as and peek views their text from the engine.
type labInsights struct{ lab *steps.Lab }

func (i labInsights) Explain(ctx context.Context) (string, error) {
	e, err := i.lab.Explain(ctx)
	if err != nil {
		return "", err
	}
	return e.Text(), nil
}

// ViewAs renders each read without its "As …" line: the TUI puts its own headings.
func (i labInsights) ViewAs(ctx context.Context) (admin, user string, err error) {
	a, u, err := i.lab.ViewAs(ctx)
	if err != nil {
		return "", "", err
	}
	block := func(r steps.ReadResult) string { return strings.Join(readLines(r, 60)[1:], "\n") }
	return block(a), block(u), nil
}

func (i labInsights) Peek(ctx context.Context) (string, error) {
	p, err := i.lab.Peek(ctx, steps.SampleItems[0]["id"])
	if err != nil {
		return "", err
	}
	return strings.Join(peekLines(p, 78), "\n"), nil
}
