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
	"testing"
	"time"
)

// TestBackoff checks the exponential backoff and its 5-minute cap, jitter included.
func TestBackoff(t *testing.T) {
	p := &Poller{}
	for failures, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 5: 16 * time.Second, 9: 256 * time.Second, 10: DefaultMaxBackoff, 60: DefaultMaxBackoff} {
		for range 50 {
			got := p.backoff(failures)
			if got < want/2 || got > want {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", failures, got, want/2, want)
			}
		}
	}
}

func TestJitter(t *testing.T) {
	for range 100 {
		if got := jitter(30*time.Second, 0.1); got < 27*time.Second || got > 33*time.Second {
			t.Fatalf("jitter(30s) = %v, want within ±10%%", got)
		}
	}
}
