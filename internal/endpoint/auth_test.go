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
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// With Recheck, a rotated token file takes effect once the recheck interval has passed.
func TestTokens_RecheckInterval(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	g.Expect(os.MkdirAll(filepath.Join(dir, "clusters"), 0o700)).To(Succeed())
	file := filepath.Join(dir, "clusters", "cluster-a")
	writeToken(t, file, "old-token")
	tokens := &endpoint.Tokens{ClusterDir: filepath.Join(dir, "clusters"), Recheck: 200 * time.Millisecond}
	role := func(token string) endpoint.Role {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		return tokens.Authorize(r, "cluster-a")
	}
	g.Expect(role("old-token")).To(Equal(endpoint.RoleAgent))
	writeToken(t, file, "new-token-of-another-length")
	g.Expect(role("old-token")).To(Equal(endpoint.RoleAgent), "trusted until the recheck")
	g.Eventually(func() endpoint.Role { return role("new-token-of-another-length") }, 2*time.Second, 20*time.Millisecond).
		Should(Equal(endpoint.RoleAgent))
	g.Expect(role("old-token")).To(Equal(endpoint.RoleNone))
}

// A token rotated to one of the same length, within the file system's time granularity,
// is seen: the contents decide, not the size and modification time.
func TestTokens_RotationComparesContents(t *testing.T) {
	for _, recheck := range []time.Duration{0, 20 * time.Millisecond} {
		t.Run(recheck.String(), func(t *testing.T) {
			g := NewWithT(t)
			dir := t.TempDir()
			file := filepath.Join(dir, "cluster-a")
			writeToken(t, file, "token-aaaa")
			tokens := &endpoint.Tokens{ClusterDir: dir, Recheck: recheck}
			role := func(token string) endpoint.Role {
				r, _ := http.NewRequest(http.MethodGet, "/", nil)
				r.Header.Set("Authorization", "Bearer "+token)
				return tokens.Authorize(r, "cluster-a")
			}
			g.Expect(role("token-aaaa")).To(Equal(endpoint.RoleAgent))
			fi, err := os.Stat(file)
			g.Expect(err).NotTo(HaveOccurred())
			writeToken(t, file, "token-bbbb")
			g.Expect(os.Chtimes(file, fi.ModTime(), fi.ModTime())).To(Succeed())
			g.Eventually(func() endpoint.Role { return role("token-bbbb") }, 2*time.Second, 5*time.Millisecond).Should(Equal(endpoint.RoleAgent))
			g.Expect(role("token-aaaa")).To(Equal(endpoint.RoleNone))
		})
	}
}

// Names a caller makes up never grow the cache, and a removed token file leaves it.
func TestTokens_MissingFilesAreNotCached(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	writeToken(t, filepath.Join(dir, "cluster-a"), "token-a")
	writeToken(t, filepath.Join(dir, "cluster-b"), "token-b")
	tokens := &endpoint.Tokens{ClusterDir: dir, Recheck: 20 * time.Millisecond}
	role := func(cluster, token string) endpoint.Role {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		return tokens.Authorize(r, cluster)
	}
	g.Expect(role("cluster-a", "token-a")).To(Equal(endpoint.RoleAgent))
	g.Expect(role("cluster-b", "token-b")).To(Equal(endpoint.RoleAgent))
	for i := range 1000 {
		g.Expect(role(fmt.Sprintf("made-up-%d", i), "token-a")).To(Equal(endpoint.RoleOtherCluster))
		g.Expect(role(fmt.Sprintf("made-up-%d", i), "guess")).To(Equal(endpoint.RoleNone))
	}
	g.Expect(tokens.CachedFiles()).To(Equal(2))

	g.Expect(os.Remove(filepath.Join(dir, "cluster-b"))).To(Succeed())
	g.Eventually(func() endpoint.Role { return role("cluster-b", "token-b") }, 2*time.Second, 5*time.Millisecond).Should(Equal(endpoint.RoleNone))
	g.Expect(tokens.CachedFiles()).To(Equal(1))
}
