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
	"slices"
	"testing"
	"time"
)

// TestConnectivity_AContactWhileComputingIsKept: a snapshot may read a cluster's contacts
// just before its agent polls; the poll, told to connectivity meanwhile, still connects it.
func TestConnectivity_AContactWhileComputingIsKept(t *testing.T) {
	var c connectivity
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.computing.Store(true)
	c.contacted("east-1")
	if stale := c.stale.Load(); stale != 0 {
		t.Fatalf("a contact while computing ended the snapshot to come: stale %d", stale)
	}
	snap := &connSnapshot{interval: 10 * time.Second, at: now,
		disconnected: map[string]bool{"east-1": true, "west-1": true}, sorted: []string{"east-1", "west-1"}}
	c.publish(snap, now)

	got := c.snap.Load()
	if got != snap || got.disconnected["east-1"] || !slices.Equal(got.sorted, []string{"west-1"}) {
		t.Fatalf("published %v %v, want only west-1 disconnected", got.disconnected, got.sorted)
	}
	if want := now.Add(30 * time.Second); !got.validUntil.Equal(want) {
		t.Fatalf("valid until %v, want %v: east-1's contact expires then", got.validUntil, want)
	}
	if c.computing.Load() || len(c.late) != 0 {
		t.Fatalf("computing %v, late %v after publishing", c.computing.Load(), c.late)
	}
	c.contacted("east-2") // connected already: the snapshot holds
	if c.stale.Load() != 0 {
		t.Fatal("a connected cluster's contact ended the snapshot")
	}
	c.contacted("west-1")
	if c.stale.Load() != 1 {
		t.Fatal("a disconnected cluster's contact left the snapshot in use")
	}
}
