package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// awsEnv is a student's environment for the aws target, pointed at a sandbox through
// AWS_ENDPOINT_URL, with nothing read from the real home.
func awsEnv(t *testing.T, exports map[string]string) []string {
	t.Helper()
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "NO_COLOR=1",
		"XDG_DATA_HOME=" + filepath.Join(home, "data"), "XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
		"AWS_EC2_METADATA_DISABLED=true"}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ENDPOINT_URL"} {
		env = append(env, k+"="+exports[k])
	}
	return env
}

// TestAWSTargetAsksFirst: on the aws target nothing is created without a yes: a script
// without --yes stops with exit 2 before any change, and shows account, caller, region and
// cost; with --yes the lab runs.
func TestAWSTargetAsksFirst(t *testing.T) {
	_, exports, _ := startSandbox(t, t.TempDir())
	env := awsEnv(t, exports)
	run := func(args ...string) (string, int) {
		cmd := exec.Command(kmslabBin, args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader("")
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	out, code := run("run", "--all", "--target", "aws")
	if code != 2 || !strings.Contains(out, "--yes") {
		t.Fatalf("without --yes: exit %d\n%s", code, out)
	}
	for _, want := range []string{"account   000000000000", "caller    arn:aws:iam::000000000000:user/admin", "region    us-east-1", "$1 a month"} {
		if !strings.Contains(out, want) {
			t.Errorf("the confirmation lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "create-key") {
		t.Fatalf("a call was made before the confirmation:\n%s", out)
	}
	if out, code := run("check", "--target", "aws"); code != 1 || !strings.Contains(out, "ALIAS_MISSING") {
		t.Fatalf("something was created without a yes: exit %d\n%s", code, out)
	}
	if out, code := run("run", "--all", "--target", "aws", "--yes"); code != 0 {
		t.Fatalf("with --yes: exit %d\n%s", code, out)
	}
	// view-as makes the test user a new access key: asked for too.
	out, code = run("view-as", "--target", "aws")
	if code != 2 || !strings.Contains(out, "new access key for the test user") || !strings.Contains(out, "--yes") {
		t.Fatalf("view-as without --yes: exit %d\n%s", code, out)
	}
	if strings.Contains(out, "As ") {
		t.Fatalf("view-as read before the confirmation:\n%s", out)
	}
	if out, code := run("view-as", "--target", "aws", "--yes"); code != 0 || !strings.Contains(out, "item(s) in plain text") {
		t.Fatalf("view-as with --yes: exit %d\n%s", code, out)
	}
}
