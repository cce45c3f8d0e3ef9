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

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"strings"
	"sync"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/arm"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

const adminToken = "bench-admin-token"

// upstream is the reference endpoint served in-process on 127.0.0.1, its requests counted
// by kind ("GET list 304", "PUT status 204", ...) with the bytes of their bodies.
type upstream struct {
	*testutil.Endpoint
	dir   string
	admin *client.Client

	mu       sync.Mutex
	requests map[string]int
	bytesIn  map[string]int64
}

func startUpstream(clusters map[string]string) (*upstream, error) {
	dir, err := os.MkdirTemp("", "fluxconfig-bench-endpoint-")
	if err != nil {
		return nil, err
	}
	u := &upstream{dir: dir, requests: map[string]int{}, bytesIn: map[string]int64{}}
	u.Endpoint, err = testutil.StartEndpoint(dir, testutil.EndpointOptions{AdminToken: adminToken, Clusters: clusters, Wrap: u.count})
	if err != nil {
		return nil, err
	}
	u.admin, err = client.New(client.Options{Endpoint: u.URL, Token: adminToken})
	if err != nil {
		u.stop()
		return nil, err
	}
	return u, nil
}

func (u *upstream) stop() {
	if u.Endpoint != nil {
		u.Close()
	}
	_ = os.RemoveAll(u.dir)
}

func (u *upstream) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		cw := &endpoint.StatusRecorder{ResponseWriter: w, Code: http.StatusOK}
		next.ServeHTTP(cw, r)
		kind := "list"
		switch {
		case strings.HasSuffix(r.URL.Path, "/status"):
			kind = "status"
		case strings.Count(r.URL.Path, "/") > 4:
			kind = "management"
		}
		key := fmt.Sprintf("%s %s %d", r.Method, kind, cw.Code)
		u.mu.Lock()
		u.requests[key]++
		u.bytesIn[key] += int64(len(body))
		u.mu.Unlock()
	})
}

func (u *upstream) snapshot() (map[string]int, map[string]int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return maps.Clone(u.requests), maps.Clone(u.bytesIn)
}

// put creates or replaces a configuration through the management API, with the fixture's
// protected parameters as base64 protected settings.
func (u *upstream) put(ctx context.Context, cluster string, f fixture) error {
	spec := f.config.Spec
	spec.ProtectedParametersSecretRef = nil
	props := arm.FromSpec(f.config.Namespace, &spec)
	if f.secret != nil {
		props.ConfigurationProtectedSettings = map[string]string{}
		for k, v := range f.secret.Data {
			props.ConfigurationProtectedSettings[k] = base64.StdEncoding.EncodeToString(v)
		}
	}
	_, err := u.admin.Cluster(cluster).Put(ctx, f.config.Name, &dpv1.FluxConfiguration{Properties: props})
	return err
}
