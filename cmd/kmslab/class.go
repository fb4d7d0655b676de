package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kmslab/kmslab/sandbox/datadir"
	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

type classStatusFlags struct {
	dataDir string
	prefix  string
	asJSON  bool
}

// newClassCmd is `kmslab class`, the instructor's view of a classroom sandbox.
func newClassCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "class",
		Short: "Watch a classroom sandbox (kmslab sandbox --class N)",
		Args:  cobra.NoArgs,
	}
	var f classStatusFlags
	status := &cobra.Command{
		Use:   "status",
		Short: "Check every student's steps against the live state of their account",
		Long: "Status reads the class file the classroom sandbox wrote, signs in to each account with\n" +
			"its admin keys and checks every step, changing nothing. The sandbox must be running.",
		Example: "  kmslab class status\n  kmslab class status --data-dir ./class --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runClassStatus(cmd.Context(), f, cmd.OutOrStdout())
		},
	}
	status.Flags().StringVar(&f.dataDir, "data-dir", "", "the classroom sandbox's data directory (default: $XDG_DATA_HOME/kmslab/class)")
	status.Flags().StringVar(&f.prefix, "prefix", steps.DefaultPrefix, "the name prefix the students use")
	status.Flags().BoolVar(&f.asJSON, "json", false, "print JSON instead of a table")
	cmd.AddCommand(status)
	return cmd
}

// accountStatus is one student's row.
type accountStatus struct {
	Student  int          `json:"student"`
	Account  string       `json:"account"`
	Complete bool         `json:"complete"`
	Error    string       `json:"error,omitempty"` // the account could not be checked
	Steps    []stepStatus `json:"steps"`
}

type stepStatus struct {
	ID     string `json:"id"`
	Status string `json:"status"` // done, not-done, propagating, cannot-demonstrate, error
	Cause  string `json:"cause,omitempty"`
	Detail string `json:"detail,omitempty"`
}

type classReport struct {
	Students  int             `json:"students"`
	Complete  int             `json:"complete"`
	CheckedAt time.Time       `json:"checkedAt"`
	Accounts  []accountStatus `json:"accounts"`
}

// classWorkers bounds how many accounts are checked at once: enough to be quick for 200
// students, few enough not to crowd a laptop that also serves them.
const classWorkers = 4

func runClassStatus(ctx context.Context, f classStatusFlags, stdout io.Writer) error {
	if err := steps.ValidPrefix(f.prefix); err != nil {
		return usageError("--prefix: %v", err)
	}
	dir, err := classDataDir(f.dataDir)
	if err != nil {
		return err
	}
	accounts, err := datadir.ReadClass(dir)
	if err != nil {
		return err
	}
	rep := classReport{Students: len(accounts), Accounts: make([]accountStatus, len(accounts)), CheckedAt: time.Now().UTC()}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(classWorkers, len(accounts)) {
		wg.Go(func() {
			for i := range jobs {
				rep.Accounts[i] = checkAccount(ctx, dir, f.prefix, accounts[i])
			}
		})
	}
	for i := range accounts {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for _, a := range rep.Accounts {
		if a.Complete {
			rep.Complete++
		}
	}
	if f.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printClassStatus(stdout, rep)
	return nil
}

// checkAccount runs every step's read-only Check as that account's admin.
func checkAccount(ctx context.Context, dir, prefix string, a datadir.ClassAccount) accountStatus {
	out := accountStatus{Student: a.Student, Account: a.AccountID}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	env := map[string]string{
		"AWS_ACCESS_KEY_ID": a.AccessKeyID, "AWS_SECRET_ACCESS_KEY": a.SecretAccessKey, "AWS_REGION": a.Region,
	}
	// DataDir is the class directory, which holds no endpoint record: nothing of the
	// instructor's own sandbox is read.
	t, err := target.Open(ctx, target.Options{Kind: target.Sandbox, Endpoint: a.Endpoint, DataDir: dir, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		out.Error = oneLine(err.Error())
		return out
	}
	defer t.Close()
	if t.Account != a.AccountID {
		out.Error = fmt.Sprintf("the keys of student %d sign in to account %s, not %s", a.Student, t.Account, a.AccountID)
		return out
	}
	lab, err := steps.New(t, steps.Options{Prefix: prefix})
	if err != nil {
		out.Error = oneLine(err.Error())
		return out
	}
	out.Complete = true
	for _, st := range steps.All() {
		v, err := st.Check(ctx, lab)
		s := stepStatus{ID: st.ID, Status: string(v.Status), Cause: v.Cause, Detail: v.Detail}
		if err != nil {
			s = stepStatus{ID: st.ID, Status: "error", Detail: oneLine(err.Error())}
		}
		out.Complete = out.Complete && err == nil && v.Passed()
		out.Steps = append(out.Steps, s)
	}
	return out
}

func printClassStatus(w io.Writer, rep classReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "STUDENT\tACCOUNT")
	for i := range steps.All() {
		fmt.Fprintf(tw, "\tSTEP %d", i+1)
	}
	fmt.Fprintln(tw, "\tLAB")
	var problems []string
	for _, a := range rep.Accounts {
		fmt.Fprintf(tw, "%d\t%s", a.Student, a.Account)
		if a.Error != "" {
			for range steps.All() {
				fmt.Fprint(tw, "\t?")
			}
			fmt.Fprintln(tw, "\tnot checked")
			problems = append(problems, fmt.Sprintf("student %d: %s", a.Student, a.Error))
			continue
		}
		for _, s := range a.Steps {
			fmt.Fprintf(tw, "\t%s", s.Status)
			if s.Status == "error" {
				problems = append(problems, fmt.Sprintf("student %d, %s: %s", a.Student, s.ID, s.Detail))
			}
		}
		lab := "in progress"
		if a.Complete {
			lab = "complete"
		}
		fmt.Fprintf(tw, "\t%s\n", lab)
	}
	_ = tw.Flush()
	var legend []string
	for i, st := range steps.All() {
		legend = append(legend, fmt.Sprintf("%d %s", i+1, st.ID))
	}
	fmt.Fprintf(w, "\n%d of %d students complete.\nSteps: %s.\n", rep.Complete, rep.Students, strings.Join(legend, ", "))
	for _, p := range problems {
		fmt.Fprintln(w, p)
	}
}
