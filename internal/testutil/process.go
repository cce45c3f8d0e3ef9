// Copyright 2026 The fluxconfig Authors.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

package testutil

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// ProcessOptions say how to run a child process.
type ProcessOptions struct {
	// Kubeconfig is set as KUBECONFIG when not empty.
	Kubeconfig string
	// Output receives stdout and stderr; LogPath, a file created for them, is used when
	// Output is nil. Both empty: discarded.
	Output  io.Writer
	LogPath string
	// OwnGroup runs the child in a process group of its own, so a Ctrl-C on the terminal
	// reaches only the parent, which then stops its children in order.
	OwnGroup bool
	// DeathSignal is sent to the child when the parent dies; SIGKILL when zero.
	DeathSignal syscall.Signal
}

// Process is a running child. It is killed when the parent dies, whatever ends it.
type Process struct {
	Cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// StartProcess starts path with args.
func StartProcess(path string, o ProcessOptions, args ...string) (*Process, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = os.Environ()
	if o.Kubeconfig != "" {
		cmd.Env = append(cmd.Env, "KUBECONFIG="+o.Kubeconfig)
	}
	var logFile *os.File
	switch {
	case o.Output != nil:
		cmd.Stdout, cmd.Stderr = o.Output, o.Output
	case o.LogPath != "":
		f, err := os.Create(o.LogPath)
		if err != nil {
			return nil, err
		}
		logFile = f
		cmd.Stdout, cmd.Stderr = f, f
	}
	if o.DeathSignal == 0 {
		o.DeathSignal = syscall.SIGKILL
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: o.OwnGroup, Pdeathsig: o.DeathSignal}
	if err := cmd.Start(); err != nil {
		if logFile != nil {
			logFile.Close()
		}
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	p := &Process{Cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		if logFile != nil {
			logFile.Close()
		}
		close(p.done)
	}()
	return p, nil
}

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is the process's exit error; read it after Done is closed.
func (p *Process) Err() error { <-p.done; return p.err }

// Stop sends SIGTERM and kills the process after grace; it returns the exit error.
func (p *Process) Stop(grace time.Duration) error {
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.Cmd.Process.Kill()
		<-p.done
	}
	return p.err
}

// BenchDirs makes the benchmarks' --out and --bin-dir absolute, as the processes they start
// run elsewhere, and creates out.
func BenchDirs(out, binDir *string) error {
	for _, dir := range []*string{out, binDir} {
		abs, err := filepath.Abs(*dir)
		if err != nil {
			return err
		}
		*dir = abs
	}
	return os.MkdirAll(*out, 0o755)
}

// WaitHTTP waits until url answers 200, for at most timeout.
func WaitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	return Poll(ctx, 100*time.Millisecond, timeout, func() (bool, error) {
		resp, err := http.Get(url)
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	}, func() error { return fmt.Errorf("%s did not answer within %s", url, timeout) })
}

// Poll calls check every interval until it is done or fails, ctx ends, or timeout has
// passed: then it returns what timedOut makes, which may tell how far check got.
func Poll(ctx context.Context, interval, timeout time.Duration, check func() (done bool, err error), timedOut func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		if done, err := check(); done || err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return timedOut()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}
