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

package poller

import (
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// notedRecorder keeps each event's note and when it was recorded.
type notedRecorder struct {
	mu    sync.Mutex
	notes []string
	at    []time.Time
}

func (r *notedRecorder) Eventf(_, _ runtime.Object, _, _, _, note string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, fmt.Sprintf(note, args...))
	r.at = append(r.at, time.Now())
}

func (r *notedRecorder) sent() ([]string, []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.notes...), append([]time.Time(nil), r.at...)
}

// A round's events wait for the round's end, then go out in order, the ones beyond the
// burst one per interval: sent at once, a thousand would open hundreds of connections.
func TestHeldEvents_ReleasedInOrderAtAPace(t *testing.T) {
	rec := &notedRecorder{}
	p := &Poller{Recorder: rec}
	const n = eventBurst + 40
	release := p.holdEvents()
	for i := range n {
		obj := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint(i), Namespace: "ns"}}
		p.record(obj, corev1.EventTypeNormal, EventCreated, "config %d", i)
	}
	if notes, _ := rec.sent(); len(notes) != 0 {
		t.Fatalf("%d events sent while the round holds them", len(notes))
	}
	released := time.Now()
	release()
	deadline := time.Now().Add(30 * time.Second)
	notes, at := rec.sent()
	for ; len(notes) < n; notes, at = rec.sent() {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events sent after 30s", len(notes), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i, note := range notes {
		if want := fmt.Sprintf("config %d", i); note != want {
			t.Fatalf("event %d is %q, want %q", i, note, want)
		}
	}
	// A lower bound only: a slow machine spreads them further, never closer.
	if took, least := at[n-1].Sub(released), (n-eventBurst)*eventInterval; took < least {
		t.Errorf("%d events went out within %s of their release, want at least %s", n, took, least)
	}
}
