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
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

func TestSecondLockFailsWhileTheFirstIsHeld(t *testing.T) {
	dir := t.TempDir()
	first, err := acquireLock(dir)
	if err != nil {
		t.Fatalf("first lock: %v", err)
	}
	_, err = acquireLock(dir)
	var running errRunning
	if !errors.As(err, &running) {
		t.Fatalf("second lock: got %v, want errRunning", err)
	}
	if running.pid != os.Getpid() {
		t.Errorf("reported pid %d, want the holder's %d", running.pid, os.Getpid())
	}
	if !strings.Contains(err.Error(), "already running") {
		t.Errorf("message %q does not say it is already running", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := acquireLock(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again.Close()
}

// The shell check in hack/dev.sh (flock -n) must see the same lock devenv holds.
func TestShellCheckSeesTheLock(t *testing.T) {
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("flock(1) not installed")
	}
	dir := t.TempDir()
	f, err := acquireLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("../dev.sh", "check", dir).CombinedOutput()
	if err == nil {
		t.Fatalf("dev.sh check passed while the lock is held: %s", out)
	}
	if !strings.Contains(string(out), strconv.Itoa(os.Getpid())) {
		t.Errorf("dev.sh check output %q does not name the holder's pid", out)
	}
	f.Close()
	if out, err := exec.Command("../dev.sh", "check", dir).CombinedOutput(); err != nil {
		t.Fatalf("dev.sh check failed after release: %v: %s", err, out)
	}
}
