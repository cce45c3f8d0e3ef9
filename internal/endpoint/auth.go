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
	"bytes"
	"crypto/subtle"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
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
// whenever Recheck has passed and comparing what it holds, so tokens rotate without a
// restart.
type Tokens struct {
	AdminFile  string
	ClusterDir string
	// Recheck is how long a token file, once read, is trusted before it is read again; zero
	// reads it at every request.
	Recheck time.Duration

	mu sync.Mutex
	// cache holds only files that exist and hold a token, so the names a caller makes up
	// never grow it; a file that disappears leaves it at its next read.
	cache map[string]cachedToken
}

type cachedToken struct {
	token   []byte
	checked time.Time
}

// read returns the trimmed token in path, or nil when the file is missing or empty. The
// contents decide, not the file's size or modification time: a token rotated to one of the
// same length within the file system's time granularity is still seen.
func (t *Tokens) read(path string) []byte {
	if t.Recheck > 0 {
		t.mu.Lock()
		c, ok := t.cache[path]
		t.mu.Unlock()
		if ok && time.Since(c.checked) < t.Recheck {
			return c.token
		}
	}
	data, err := os.ReadFile(path)
	tok := bytes.TrimSpace(data)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil || len(tok) == 0 || t.Recheck <= 0 {
		delete(t.cache, path)
		if err != nil {
			return nil
		}
		return tok
	}
	if t.cache == nil {
		t.cache = map[string]cachedToken{}
	}
	t.cache[path] = cachedToken{token: tok, checked: time.Now()}
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
	if validCluster(cluster) && equal(t.read(filepath.Join(t.ClusterDir, cluster)), presented) {
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
