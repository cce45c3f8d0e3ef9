//go:build chaos

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

package chaos

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// supervised is one of our binaries run the way a kubelet runs a pod: restarted when it
// exits by itself (after a second, as a crash-loop back-off would), and killed with
// SIGKILL when a fault says so. Its output goes to one log that restarts append to.
type supervised struct {
	name       string
	path       string
	args       []string
	kubeconfig string
	log        *os.File

	mu       sync.Mutex
	proc     *testutil.Process
	starts   int
	crashes  int // exits nobody asked for
	stopping bool
	killed   bool // the current process was killed on purpose
	wg       sync.WaitGroup
}

func newSupervised(dir, binDir, name, kubeconfig string, args ...string) (*supervised, error) {
	log, err := appendLog(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, err
	}
	return &supervised{name: name, path: filepath.Join(binDir, name), args: args, kubeconfig: kubeconfig, log: log}, nil
}

// start runs the process and watches it.
func (s *supervised) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.startLocked()
}

func (s *supervised) startLocked() error {
	if s.stopping {
		return nil
	}
	if s.proc != nil {
		select {
		case <-s.proc.Done():
		default:
			return nil // already running (restarted after a crash meanwhile)
		}
	}
	s.starts++
	fmt.Fprintf(s.log, "=== chaos: start #%d of %s at %s\n", s.starts, s.name, time.Now().UTC().Format(time.RFC3339Nano))
	p, err := testutil.StartProcess(s.path, testutil.ProcessOptions{Kubeconfig: s.kubeconfig, Output: s.log}, s.args...)
	if err != nil {
		return err
	}
	s.proc, s.killed = p, false
	s.wg.Add(1)
	go s.watch(p)
	return nil
}

// watch restarts p's successor when p exits without being killed or stopped.
func (s *supervised) watch(p *testutil.Process) {
	defer s.wg.Done()
	<-p.Done()
	s.mu.Lock()
	if s.proc != p || s.stopping || s.killed {
		s.mu.Unlock()
		return
	}
	s.crashes++
	fmt.Fprintf(s.log, "=== chaos: %s exited by itself (%v); restarting in 1s\n", s.name, p.Err())
	s.mu.Unlock()
	time.Sleep(time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == p && !s.stopping && !s.killed {
		if err := s.startLocked(); err != nil {
			fmt.Fprintf(s.log, "=== chaos: restarting %s failed: %v\n", s.name, err)
		}
	}
}

// kill sends SIGKILL and waits until the process is gone; it stays down until restart.
func (s *supervised) kill() {
	s.mu.Lock()
	p := s.proc
	s.killed = true
	s.mu.Unlock()
	if p == nil {
		return
	}
	fmt.Fprintf(s.log, "=== chaos: kill -9 %s at %s\n", s.name, time.Now().UTC().Format(time.RFC3339Nano))
	_ = p.Cmd.Process.Signal(syscall.SIGKILL)
	<-p.Done()
}

// restart starts the process again after kill.
func (s *supervised) restart() error { return s.start() }

// stop ends the process for good: SIGTERM, then SIGKILL after grace.
func (s *supervised) stop(grace time.Duration) {
	s.mu.Lock()
	s.stopping = true
	p := s.proc
	s.mu.Unlock()
	if p != nil {
		_ = p.Stop(grace)
	}
	s.wg.Wait()
}

// counts are how often the process was started and how often it exited by itself.
func (s *supervised) counts() (starts, crashes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.starts, s.crashes
}
