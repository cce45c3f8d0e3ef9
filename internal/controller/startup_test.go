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
	"net"
	"net/http"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// While the controller waits for the Flux CRDs it is alive, not ready; then the port is free
// for the manager's probes.
func TestServeHealthWhile(t *testing.T) {
	g := NewWithT(t)
	addr, err := testutil.FreeAddr()
	g.Expect(err).NotTo(HaveOccurred())
	status := func(path string) int {
		resp, err := http.Get("http://" + addr + path)
		g.Expect(err).NotTo(HaveOccurred())
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	err = ServeHealthWhile(addr, func() error {
		g.Expect(status("/healthz")).To(Equal(http.StatusOK))
		g.Expect(status("/readyz")).To(Equal(http.StatusServiceUnavailable))
		return nil
	})
	g.Expect(err).NotTo(HaveOccurred())
	l, err := net.Listen("tcp", addr)
	g.Expect(err).NotTo(HaveOccurred(), "the manager can bind the probe address next")
	_ = l.Close()
}
