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

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// lockName is the file in the state directory a running devenv holds locked. The kernel
// drops the lock when the process dies, however it dies, so a stale file never blocks.
const lockName = "devenv.lock"

// errRunning says another devenv holds the state directory.
type errRunning struct {
	dir string
	pid int
	// down is the make target that stops it in the background; dev-down when empty.
	down string
}

func (e errRunning) Error() string {
	down := e.down
	if down == "" {
		down = "dev-down"
	}
	return fmt.Sprintf("another devenv (pid %d) is already running in %s; stop it with Ctrl-C in its shell or `make %s`", e.pid, e.dir, down)
}

// claimStateDir creates the state directory, takes its lock and removes the ready and
// summary files of the previous run. down names the make target that stops a devenv
// already running there (dev-down when empty).
func claimStateDir(stateDir, down string) (*os.File, error) {
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return nil, err
	}
	lock, err := acquireLock(stateDir)
	if held := (errRunning{}); errors.As(err, &held) {
		held.down = down
		return nil, held
	}
	if err != nil {
		return nil, err
	}
	for _, name := range []string{readyName, summaryName} {
		_ = os.Remove(filepath.Join(stateDir, name))
	}
	return lock, nil
}

// claimRun claims the state directory for one run and returns the stack of what the run
// starts. The returned end stops that stack, last started first, then frees the directory.
func claimRun(stateDir, down string) (running *stack, end func(), err error) {
	lock, err := claimStateDir(stateDir, down)
	if err != nil {
		return nil, nil, err
	}
	running = &stack{}
	return running, func() { running.stopAll(); lock.Close() }, nil
}

// acquireLock takes the state directory for this process, or fails at once when another
// devenv has it. Closing the returned file releases it.
func acquireLock(stateDir string) (*os.File, error) {
	path := filepath.Join(stateDir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		data, _ := os.ReadFile(path)
		f.Close()
		pid, _ := strconv.Atoi(string(bytes.TrimSpace(data)))
		return nil, errRunning{dir: stateDir, pid: pid}
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
