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
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openGroupCommit opens a bbolt file in a temporary folder with one bucket, "b".
func openGroupCommit(t *testing.T) *groupCommit {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "g.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	return &groupCommit{db: db}
}

// queued waits until a commit is in progress and n writes wait behind it.
func queued(t *testing.T, g *groupCommit, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		g.mu.Lock()
		got, committing := len(g.queue), g.committing
		g.mu.Unlock()
		if committing && got == n {
			return
		}
	}
	t.Fatalf("%d writes never queued behind a commit", n)
}

// TestGroupCommit_WritesThatQueueShareOneTransaction: the writes that arrive while a commit
// is in progress all go into the next transaction, and every one is stored.
func TestGroupCommit_WritesThatQueueShareOneTransaction(t *testing.T) {
	g := openGroupCommit(t)
	var mu sync.Mutex
	txOf := map[string]int{}
	put := func(k string, hold chan struct{}) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			if hold != nil {
				<-hold
			}
			mu.Lock()
			txOf[k] = tx.ID()
			mu.Unlock()
			return tx.Bucket([]byte("b")).Put([]byte(k), []byte(k))
		}
	}

	hold := make(chan struct{})
	errs := make(chan error, 100)
	go func() { errs <- g.update(put("first", hold)) }()
	queued(t, g, 0) // "first" is out of the queue, in its commit
	for i := range 99 {
		go func() { errs <- g.update(put(fmt.Sprint("k", i), nil)) }()
	}
	queued(t, g, 99)
	close(hold)
	for range 100 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}

	txs := map[int]int{}
	for _, id := range txOf {
		txs[id]++
	}
	if len(txOf) != 100 || len(txs) != 2 || txs[txOf["first"]] != 1 {
		t.Fatalf("100 writes went into %d transactions %v, want the first alone and 99 in one", len(txs), txs)
	}
	err := g.db.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket([]byte("b")).Stats().KeyN; n != 100 {
			return fmt.Errorf("%d keys stored, want 100", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGroupCommit_AFailingWriteFailsAlone: one write's error rolls its shared transaction
// back; it gets its error and the others are stored in transactions of their own.
func TestGroupCommit_AFailingWriteFailsAlone(t *testing.T) {
	g := openGroupCommit(t)
	refused := errors.New("refused")
	hold := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- g.update(func(tx *bolt.Tx) error { <-hold; return tx.Bucket([]byte("b")).Put([]byte("first"), nil) })
	}()
	queued(t, g, 0)

	results := make([]chan error, 5)
	for i := range results {
		results[i] = make(chan error, 1)
		go func() {
			results[i] <- g.update(func(tx *bolt.Tx) error {
				if i == 2 {
					return refused
				}
				return tx.Bucket([]byte("b")).Put(fmt.Appendf(nil, "k%d", i), []byte("v"))
			})
		}()
		queued(t, g, i+1)
	}
	close(hold)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for i, res := range results {
		err := <-res
		if i == 2 && !errors.Is(err, refused) || i != 2 && err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	err := g.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		for i := range results {
			if stored := b.Get(fmt.Appendf(nil, "k%d", i)) != nil; stored != (i != 2) {
				return fmt.Errorf("k%d stored: %v", i, stored)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
