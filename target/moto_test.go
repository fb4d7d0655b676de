package target

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// startMoto runs moto_server on a free loopback port and returns its URL.
func startMoto(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server is not on PATH")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	// Bounded wait for it to start serving (Python takes a moment).
	for range 150 {
		if res, err := http.Get(url + "/moto-api/"); err == nil {
			res.Body.Close()
			return url
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("moto_server did not start at %s", url)
	return ""
}

func TestMotoIsAnEmulatorThatDoesNotEnforce(t *testing.T) {
	t.Parallel()
	url := startMoto(t)
	tg, err := Open(context.Background(), Options{Endpoint: url, Getenv: envOf(nil), DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	wantTarget(t, tg, Emulator, DoesNotEnforce)
	if tg.Account == "" || tg.CallerARN == "" || tg.Label != "emulator at "+url {
		t.Fatalf("got %+v", tg)
	}
}
