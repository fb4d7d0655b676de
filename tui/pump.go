package tui

import (
	"context"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/kmslab/kmslab/steps"
)

// Pump carries lab events from the goroutine running a step to the event loop. Emit never
// blocks (an unbounded queue), so a step never waits on the UI and tests can run the step
// Cmd synchronously before reading the events.
type Pump struct {
	mu   sync.Mutex
	q    []steps.Event
	wake chan struct{}
}

// NewPump makes an empty pump; pass its Emit to steps.Options.Emit.
func NewPump() *Pump { return &Pump{wake: make(chan struct{}, 1)} }

// Emit queues an event. Safe from any goroutine.
func (p *Pump) Emit(e steps.Event) {
	p.mu.Lock()
	p.q = append(p.q, e)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// eventsMsg is a batch of events, oldest first.
type eventsMsg []steps.Event

// take empties the queue.
func (p *Pump) take() []steps.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := p.q
	p.q = nil
	return q
}

// listen waits for the next events; it returns nil when ctx ends.
func (p *Pump) listen(ctx context.Context) tea.Cmd {
	return func() tea.Msg {
		for {
			if q := p.take(); len(q) > 0 {
				return eventsMsg(q)
			}
			select {
			case <-p.wake:
			case <-ctx.Done():
				return nil
			}
		}
	}
}
