// Command kmslab is a hands-on terminal lab that teaches AWS KMS by doing it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"
)

// Exit codes, as the design gives them.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRoot()
	root.SetArgs(args)
	// A lab that is not complete, or a Ctrl+C, has already said so: keep those errors from
	// fang, whose error path first queries the terminal (seconds on some terminals).
	var quiet error
	silence(root, &quiet)
	var err error
	if os.Getenv("NO_COLOR") != "" {
		// fang styles errors in bold and asks the terminal for its background even then;
		// NO_COLOR (any value) gets cobra's plain text instead.
		root.Version = version
		root.SilenceErrors = true
		if err = root.ExecuteContext(ctx); err != nil {
			handlePlainError(root.ErrOrStderr(), err)
		}
	} else {
		err = fang.Execute(ctx, root, fang.WithVersion(version), fang.WithoutManpage(), fang.WithErrorHandler(handleError))
	}
	if err == nil {
		err = quiet
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errUsage) || isFlagError(err):
		return exitUsage
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return exitInterrupted
	default:
		return exitFailure
	}
}

// silence wraps every command so that errFailed and interrupts end the command without an
// error for fang to print; the error is kept in *quiet for the exit code.
func silence(cmd *cobra.Command, quiet *error) {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			err := run(c, args)
			if errors.Is(err, errFailed) || errors.Is(err, context.Canceled) || (err != nil && c.Context().Err() != nil) {
				*quiet = err
				return nil
			}
			return err
		}
	}
	for _, sub := range cmd.Commands() {
		silence(sub, quiet)
	}
}

// handleError prints errors with fang's styling, except a lab that is simply not complete
// (its output has said so) and an interrupt (the shell shows ^C).
func handleError(w io.Writer, styles fang.Styles, err error) {
	if errors.Is(err, errFailed) || errors.Is(err, context.Canceled) {
		return
	}
	// fang capitalises the message ("--Prefix") and adds a full stop; keep ours as written.
	styles.ErrorText = styles.ErrorText.UnsetTransform()
	fang.DefaultErrorHandler(w, styles, errors.New(strings.TrimSuffix(err.Error(), ".")))
}

func handlePlainError(w io.Writer, err error) {
	if errors.Is(err, errFailed) || errors.Is(err, context.Canceled) {
		return
	}
	fmt.Fprintln(w, "Error: "+err.Error())
}

// errUsage marks errors caused by how the command was called.
var errUsage = errors.New("usage")

func usageError(format string, args ...any) error {
	return &usageErr{msg: fmt.Sprintf(format, args...)}
}

// usageErr is errUsage without the word "usage" in front of the student's message.
type usageErr struct{ msg string }

func (e *usageErr) Error() string        { return e.msg }
func (e *usageErr) Is(target error) bool { return target == errUsage }

func isFlagError(err error) bool {
	// cobra reports unknown flags and bad values with these prefixes.
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "invalid argument", "flag needs an argument", "unknown command", "accepts ", "requires "} {
		if len(msg) >= len(p) && msg[:len(p)] == p {
			return true
		}
	}
	return false
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "kmslab",
		Short: "Learn AWS KMS by doing it: a hands-on lab in your terminal",
		Long: "kmslab walks you through the \"Encrypt data with AWS KMS\" lab: create a customer managed key,\n" +
			"encrypt a DynamoDB table with it, add items, watch a user without kms:Decrypt be denied,\n" +
			"then grant access in the key policy. It runs against an AWS sandbox built into kmslab\n" +
			"(no account needed), LocalStack, or real AWS.",
		SilenceUsage: true,
	}
	labRoot(root)
	root.AddCommand(newRunCmd(), newCheckCmd(), newCleanupCmd(), newUndoCmd(), newRevokeCmd(), newWhyCmd(), newViewAsCmd(), newPeekCmd(), newQuizCmd(), newReportCmd(), newClassCmd(), newResetCmd(), newDoctorCmd(), newSandboxCmd())
	return root
}
