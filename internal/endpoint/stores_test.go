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

package endpoint_test

import (
	"testing"

	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// testStore is what a test endpoint keeps its state in: a bbolt file in its directory, or,
// with a database URL, a PostgreSQL database of the server the package's tests share.
type testStore struct {
	name        string
	databaseURL string
}

// onBolt is the bbolt store, for the tests that run on it alone.
var onBolt = testStore{name: "bbolt"}

// forEachStore runs test as one subtest per store, each on a store of its own (a new
// database on PostgreSQL), so both implementations pass the same end-to-end cases.
func forEachStore(t *testing.T, test func(t *testing.T, st testStore)) {
	t.Run("bbolt", func(t *testing.T) { test(t, onBolt) })
	t.Run("postgres", func(t *testing.T) {
		test(t, testStore{name: "postgres", databaseURL: testutil.PostgresDB(t)})
	})
}
