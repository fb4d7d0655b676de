package conformance

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kmslab/kmslab/conformance/sandboxproc"
)

// secretLike is what an AWS secret access key looks like: 40 characters of base64.
var secretLike = regexp.MustCompile(`[A-Za-z0-9/+]{40}`)

// expectCleanText fails when text carries an escape byte, the admin's secret or anything
// shaped like a secret access key.
func expectCleanText(t *testing.T, what, text, secret string) {
	t.Helper()
	if hasEscape(text) {
		i := strings.IndexByte(text, 0x1b)
		t.Errorf("%s: escape byte 0x1b at offset %d: %q", what, i, text[max(0, i-40):min(len(text), i+40)])
	}
	if secret != "" && strings.Contains(text, secret) {
		t.Errorf("%s: the admin's secret access key appears", what)
	}
	if m := secretLike.FindString(text); m != "" {
		t.Errorf("%s: a 40-character run like a secret key appears: %s…", what, m[:8])
	}
}

// expectPrivateState checks everything under the user's XDG_STATE_HOME: directories 0700,
// files 0600, no secret in any file; and that at least one progress file is there.
func expectPrivateState(t *testing.T, dirs sandboxproc.LabDirs, secret string) {
	t.Helper()
	progressFiles := 0
	err := filepath.WalkDir(dirs.State, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dirs.State, p)
		switch {
		case d.IsDir():
			if fi.Mode().Perm() != 0o700 {
				t.Errorf("state dir %s: mode %v, want 0700", rel, fi.Mode().Perm())
			}
		case fi.Mode().IsRegular():
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("state file %s: mode %v, want 0600", rel, fi.Mode().Perm())
			}
			if filepath.Dir(p) == dirs.ProgressDir() {
				progressFiles++
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			expectCleanText(t, "state file "+rel, string(raw), secret)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if progressFiles == 0 {
		t.Errorf("no progress file in %s", dirs.ProgressDir())
	}
}

// adminSecret learns the sandbox admin's secret the way a user would: `kmslab sandbox` on
// the data directory prints it. The directory must not be in use.
func adminSecret(t *testing.T, dataDir string) string {
	t.Helper()
	if _, err := os.Stat(dataDir); err != nil {
		t.Fatalf("sandbox data dir: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	p, err := sandboxproc.Start(ctx, kmslabBin(t), dataDir, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Stop(stopTimeout); err != nil {
		t.Fatal(err)
	}
	if len(p.Exports.SecretAccessKey) < 20 {
		t.Fatalf("kmslab sandbox printed a secret of %d characters", len(p.Exports.SecretAccessKey))
	}
	return p.Exports.SecretAccessKey
}

// TestLabCLINoColor: with NO_COLOR set, no command prints an escape byte, on pipes and on a
// terminal (a pseudo-terminal from util-linux `script`), usage errors included.
func TestLabCLINoColor(t *testing.T) {
	t.Parallel()
	u := newLabUser(t, "TERM=xterm-256color")
	commands := [][]string{{"run", "--all", "--yes"}, {"check"}, {"check", "--json"}, {"run", "--step", "nope"}}
	for _, args := range commands {
		r := u.run(args...)
		expectCleanText(t, "NO_COLOR unset, pipes: kmslab "+strings.Join(args, " "), r.Output(), "")
	}
	u.env = append(u.env, "NO_COLOR=1")
	for _, args := range commands {
		r := u.run(args...)
		expectCleanText(t, "NO_COLOR=1, pipes: kmslab "+strings.Join(args, " "), r.Output(), "")
	}

	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no `script` (util-linux) for a pseudo-terminal; the terminal half is not tested")
	}
	onTerminal := func(env []string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), labCmdTimeout)
		defer cancel()
		line := shellQuote(u.bin)
		for _, a := range args {
			line += " " + shellQuote(a)
		}
		cmd := exec.CommandContext(ctx, script, "-qec", line, "/dev/null")
		cmd.Env = u.dirs.Env(env...)
		cmd.WaitDelay = 5 * time.Second
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			t.Fatalf("script -c %s: %v", line, ctx.Err())
		}
		if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
			t.Fatalf("script -c %s: %v", line, err)
		}
		return string(out)
	}
	// Without NO_COLOR the terminal gets colour: proof that the check below can fail.
	if out := onTerminal([]string{"TERM=xterm-256color"}, "check"); !hasEscape(out) {
		t.Skipf("kmslab printed no colour on the pseudo-terminal without NO_COLOR, so NO_COLOR cannot be told apart:\n%s", out)
	}
	for _, args := range commands {
		out := onTerminal([]string{"TERM=xterm-256color", "NO_COLOR=1"}, args...)
		expectCleanText(t, "NO_COLOR=1, terminal: kmslab "+strings.Join(args, " "), out, "")
	}
}

// shellQuote makes s one word for sh -c.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
