package sandboxproc

import (
	"os/exec"
	"syscall"
	"time"
)

// Group is a server started in a process group of its own: the server and anything it
// forks, and nothing else.
type Group struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// StartGroup starts cmd in a process group of its own.
func StartGroup(cmd *exec.Cmd) (*Group, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g := &Group{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(g.done) }()
	return g, nil
}

// Done is closed when the server has exited.
func (g *Group) Done() <-chan struct{} { return g.done }

// Stop sends the group SIGTERM, SIGKILL after grace, and waits for the server to end.
func (g *Group) Stop(grace time.Duration) {
	_ = syscall.Kill(-g.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-g.done:
	case <-time.After(grace):
		_ = syscall.Kill(-g.cmd.Process.Pid, syscall.SIGKILL)
		<-g.done
	}
}
