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

// CachedFiles is the number of token files the cache holds, for tests.
func (t *Tokens) CachedFiles() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.cache)
}

// CachedETag is the ETag the server would answer cluster's next poll with without reading
// the store, if it has one.
func (s *Server) CachedETag(cluster string) (string, bool) {
	return s.etags.lookup(cluster, s.Now())
}

// LockClusters holds clusters' write locks, as a write to their records does, until unlock.
func (s *Server) LockClusters(clusters ...string) (unlock func()) {
	return s.writes.lockClusters(clusters)
}
