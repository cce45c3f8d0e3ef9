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
	"sync"

	bolt "go.etcd.io/bbolt"
)

// groupCommit runs concurrent write transactions as one: the writes that queue while a
// commit is on disk go into the next one, so agents reporting together share fsyncs
// instead of paying one each (in the fleet bench, up to 558 writes a commit). A lone writer
// commits at once. bbolt's own Batch instead
// holds every batch for MaxBatchDelay, which a lone writer would pay on each write.
type groupCommit struct {
	db *bolt.DB

	mu         sync.Mutex
	queue      []*queuedWrite
	committing bool
}

type queuedWrite struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// update runs fn in a write transaction, shared with whatever else is queued, and returns
// once that transaction is on disk. fn may run more than once (it must be idempotent), and
// takes effect only when update returns nil.
func (g *groupCommit) update(fn func(*bolt.Tx) error) error {
	w := &queuedWrite{fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	lead := !g.committing
	g.committing = true
	g.mu.Unlock()
	if lead {
		g.commitQueued()
	}
	return <-w.done
}

// commitQueued commits what is queued, then hands what queued meanwhile to a goroutine of
// its own, so the caller that led this commit is answered without waiting for later ones.
func (g *groupCommit) commitQueued() {
	g.mu.Lock()
	batch := g.queue
	g.queue = nil
	g.mu.Unlock()

	g.commit(batch)

	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		g.committing = false
		return
	}
	go g.commitQueued()
}

// commit runs batch in one transaction. Should it fail, each write is retried in a
// transaction of its own, so one bad write fails alone and the others still land.
func (g *groupCommit) commit(batch []*queuedWrite) {
	failed := -1
	err := g.db.Update(func(tx *bolt.Tx) error {
		for i, w := range batch {
			if err := w.fn(tx); err != nil {
				failed = i
				return err
			}
		}
		return nil
	})
	if err == nil || len(batch) == 1 {
		for _, w := range batch {
			w.done <- err
		}
		return
	}
	for i, w := range batch {
		if i == failed {
			// Its error is known; running it again would only repeat it.
			w.done <- err
			continue
		}
		w.done <- g.db.Update(w.fn)
	}
}
