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

package endpoint

import (
	"testing"
	"time"
)

// taken runs lock in a goroutine and returns a channel that yields its unlock once taken.
func taken(lock func() func()) <-chan func() {
	got := make(chan func(), 1)
	go func() { got <- lock() }()
	return got
}

// mustTake waits for a lock that nothing holds against.
func mustTake(t *testing.T, what string, got <-chan func()) func() {
	t.Helper()
	select {
	case unlock := <-got:
		return unlock
	case <-time.After(10 * time.Second):
		t.Fatalf("%s was not taken", what)
		return nil
	}
}

// mustWait checks that a lock held against is not taken yet.
func mustWait(t *testing.T, what string, got <-chan func()) {
	t.Helper()
	select {
	case <-got:
		t.Fatalf("%s was taken while held against", what)
	case <-time.After(50 * time.Millisecond):
	}
}

// TestWriteLocks: writers of other clusters go on side by side; a writer of a held cluster
// waits, whichever of its clusters is held; the fleet lock waits for every cluster writer
// and holds every one off.
func TestWriteLocks(t *testing.T) {
	var l writeLocks
	cluster := func(names ...string) func() func() { return func() func() { return l.lockClusters(names) } }

	unlockA := l.lockClusters([]string{"a"})
	unlockB := mustTake(t, "b while a is held", taken(cluster("b")))
	waitingA := taken(cluster("c", "a"))
	mustWait(t, "c and a while a is held", waitingA)
	fleet := taken(l.lockFleet)
	mustWait(t, "the fleet while a and b are held", fleet)

	unlockA()
	unlockCA := mustTake(t, "c and a once a is free", waitingA)
	unlockCA()
	mustWait(t, "the fleet while b is held", fleet)
	unlockB()
	unlockFleet := mustTake(t, "the fleet once every cluster is free", fleet)

	d := taken(cluster("d"))
	mustWait(t, "d while the fleet is held", d)
	unlockFleet()
	mustTake(t, "d once the fleet is free", d)()

	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.clusters) != 0 {
		t.Fatalf("locks of %d clusters kept after every writer is done", len(l.clusters))
	}
}
