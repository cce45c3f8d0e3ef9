/*
Copyright 2026 The fluxconfig Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package endpoint

import (
	"bytes"
	"crypto/subtle"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fluxconfig/fluxconfig/internal/arm"
)

// Role is what a bearer token allows.
type Role int

const (
	// RoleNone: no valid token.
	RoleNone Role = iota
	// RoleAgent: the token of the cluster named in the path; agent paths only.
	RoleAgent
	// RoleAdmin: the management token; every path.
	RoleAdmin
	// RoleOtherCluster: a valid agent token, but of another cluster than the path's.
	RoleOtherCluster
)

// Tokens reads the admin token file and the per-cluster token files, re-reading a file
// whenever its size or modification time changes, so tokens rotate without a restart.
type Tokens struct {
	AdminFile  string
	ClusterDir string
	// Recheck is how long a token file, once read, is trusted before it is looked at again;
	// zero looks at every request. Looking is two stat calls per poll, most of the cost of a
	// poll that changed nothing.
	Recheck time.Duration

	mu    sync.Mutex
	cache map[string]cachedToken
}

type cachedToken struct {
	size    int64
	modTime time.Time
	token   []byte
	checked time.Time
}

// read returns the trimmed token in path, or nil when the file is missing or empty.
func (t *Tokens) read(path string) []byte {
	if t.Recheck > 0 {
		t.mu.Lock()
		c, ok := t.cache[path]
		t.mu.Unlock()
		if ok && time.Since(c.checked) < t.Recheck {
			return c.token
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.IsDir() {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.cache[path]; ok && c.size == fi.Size() && c.modTime.Equal(fi.ModTime()) {
		c.checked = time.Now()
		t.cache[path] = c
		return c.token
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	tok := bytes.TrimSpace(data)
	if t.cache == nil {
		t.cache = map[string]cachedToken{}
	}
	t.cache[path] = cachedToken{size: fi.Size(), modTime: fi.ModTime(), token: tok, checked: time.Now()}
	return tok
}

// Authorize returns the role of the request's bearer token for cluster.
func (t *Tokens) Authorize(r *http.Request, cluster string) Role {
	presented, ok := bearer(r)
	if !ok {
		return RoleNone
	}
	if t.AdminFile != "" && equal(t.read(t.AdminFile), presented) {
		return RoleAdmin
	}
	if t.ClusterDir == "" {
		return RoleNone
	}
	if arm.Name(cluster) == nil && equal(t.read(filepath.Join(t.ClusterDir, cluster)), presented) {
		return RoleAgent
	}
	entries, err := os.ReadDir(t.ClusterDir)
	if err != nil {
		return RoleNone
	}
	for _, e := range entries {
		if e.Name() != cluster && equal(t.read(filepath.Join(t.ClusterDir, e.Name())), presented) {
			return RoleOtherCluster
		}
	}
	return RoleNone
}

func bearer(r *http.Request) ([]byte, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return nil, false
	}
	return []byte(strings.TrimSpace(h[len(prefix):])), true
}

// equal compares in constant time; an empty expected token never matches.
func equal(expected, presented []byte) bool {
	return len(expected) > 0 && subtle.ConstantTimeCompare(expected, presented) == 1
}
