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

package endpoint_test

import (
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
