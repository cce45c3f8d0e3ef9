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

package health_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/internal/agent/health"
)

func TestServer_ReadyzSaysWhy(t *testing.T) {
	g := NewWithT(t)
	var upstream, prune error
	srv := httptest.NewServer((&health.Server{Checks: []health.Check{
		{Name: "upstream", Err: func() error { return upstream }},
		{Name: "prune", Err: func() error { return prune }},
	}}).Handler())
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		g.Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	code, _ := get("/readyz")
	g.Expect(code).To(Equal(http.StatusOK))

	upstream = errors.New("UpstreamConnected=False: GET https://e/v1/clusters/c/fluxConfigurations answered 401 Unauthorized")
	code, body := get("/readyz")
	g.Expect(code).To(Equal(http.StatusServiceUnavailable))
	g.Expect(body).To(Equal("[-]upstream: " + upstream.Error() + "\n"))
	code, _ = get("/healthz")
	g.Expect(code).To(Equal(http.StatusOK), "liveness does not depend on the endpoint")

	// A probe may leave checks out; the rest still gate it, and say why.
	code, body = get("/readyz?exclude=upstream&verbose")
	g.Expect(code).To(Equal(http.StatusOK))
	g.Expect(body).To(Equal("[+]upstream excluded: ok\n[+]prune ok\nok"))
	prune = errors.New("prune held: 12 FluxConfigs\nlift it with the annotation")
	code, body = get("/readyz?exclude=upstream")
	g.Expect(code).To(Equal(http.StatusServiceUnavailable))
	g.Expect(body).To(Equal("[-]prune: prune held: 12 FluxConfigs\n[-]prune: lift it with the annotation\n"))
	code, _ = get("/readyz?exclude=upstream&exclude=prune")
	g.Expect(code).To(Equal(http.StatusOK))
}
