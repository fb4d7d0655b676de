package steps

import "context"

// action is one change the lab would make: undo and clean-up first plan their actions by
// reading the state, so --dry-run can list exactly the calls a real run makes.
type action struct {
	c   call
	run func(ctx context.Context) (result string, err error)
}

func (l *Lab) execute(ctx context.Context, acts []action) error {
	for _, a := range acts {
		err := l.do(ctx, a.c, func(ctx context.Context) (string, string, error) {
			r, err := a.run(ctx)
			return r, "", err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
