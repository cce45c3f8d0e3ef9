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

package controller

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// orphanWatchPeriod is how long after adding a config's finalizer the controller still
// deletes its objects should the config turn out to be gone. The race it covers ends within
// the DELETE request that raced the finalizer, so minutes leave room for a slow cache.
const orphanWatchPeriod = 10 * time.Minute

// finalizerWatch remembers the configs whose finalizer this process added recently. Only
// those may have objects without a config: the objects of any other config that is gone were
// not applied by this process after its finalizer was set, and might be a restore in progress
// (Secrets and Flux objects restored before their FluxConfigs), which must not be deleted.
type finalizerWatch struct {
	mu    sync.Mutex
	added map[types.NamespacedName]time.Time
}

// add records that key's finalizer was added at now.
func (w *finalizerWatch) add(key types.NamespacedName, now time.Time) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.added == nil {
		w.added = map[types.NamespacedName]time.Time{}
	}
	if len(w.added) >= 1024 {
		for k, at := range w.added {
			if now.Sub(at) > orphanWatchPeriod {
				delete(w.added, k)
			}
		}
	}
	w.added[key] = now
}

// recent reports whether key's finalizer was added within orphanWatchPeriod of now.
func (w *finalizerWatch) recent(key types.NamespacedName, now time.Time) bool {
	if w == nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	at, ok := w.added[key]
	return ok && now.Sub(at) <= orphanWatchPeriod
}

// forget drops key: its config was finalized, or its orphans deleted.
func (w *finalizerWatch) forget(key types.NamespacedName) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.added, key)
}
