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

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/armconv"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

const adminToken = "bench-admin-token"

// upstream is the reference endpoint served in-process on 127.0.0.1, its requests counted
// by kind ("GET list 304", "PUT status 204", ...) with the bytes of their bodies.
type upstream struct {
	url    string
	dir    string
	store  *endpoint.BoltStore
	server *http.Server

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
	if err := writeTokens(dir, clusters); err != nil {
		return nil, err
	}
	if u.store, err = endpoint.OpenBolt(filepath.Join(dir, "store.db")); err != nil {
		return nil, err
	}
	srv := &endpoint.Server{Store: u.store, Now: time.Now, Log: logr.Discard(),
		Tokens: &endpoint.Tokens{AdminFile: filepath.Join(dir, "admin"), ClusterDir: filepath.Join(dir, "clusters")}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	u.url = "http://" + l.Addr().String()
	u.server = &http.Server{Handler: u.count(srv.Handler()), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = u.server.Serve(l) }()
	return u, nil
}

// writeTokens writes the admin token and one token file per cluster.
func writeTokens(dir string, clusters map[string]string) error {
	if err := os.MkdirAll(filepath.Join(dir, "clusters"), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "admin"), []byte(adminToken), 0o600); err != nil {
		return err
	}
	for name, token := range clusters {
		if err := os.WriteFile(filepath.Join(dir, "clusters", name), []byte(token), 0o600); err != nil {
			return err
		}
	}
	return nil
}

func (u *upstream) stop() {
	_ = u.server.Close()
	_ = u.store.Close()
	_ = os.RemoveAll(u.dir)
}

type codeWriter struct {
	http.ResponseWriter
	code int
}

func (w *codeWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (u *upstream) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		cw := &codeWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(cw, r)
		kind := "list"
		switch {
		case strings.HasSuffix(r.URL.Path, "/status"):
			kind = "status"
		case strings.Count(r.URL.Path, "/") > 4:
			kind = "management"
		}
		key := fmt.Sprintf("%s %s %d", r.Method, kind, cw.code)
		u.mu.Lock()
		u.requests[key]++
		u.bytesIn[key] += int64(len(body))
		u.mu.Unlock()
	})
}

func (u *upstream) snapshot() (map[string]int, map[string]int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	req, b := map[string]int{}, map[string]int64{}
	for k, v := range u.requests {
		req[k] = v
	}
	for k, v := range u.bytesIn {
		b[k] = v
	}
	return req, b
}

// put creates or replaces a configuration through the management API, with the fixture's
// protected parameters as base64 protected settings.
func (u *upstream) put(ctx context.Context, cluster string, f fixture) error {
	spec := f.config.Spec
	spec.ProtectedParametersSecretRef = nil
	props := armconv.FromSpec(f.config.Namespace, &spec)
	if f.secret != nil {
		props.ConfigurationProtectedSettings = map[string]string{}
		for k, v := range f.secret.Data {
			props.ConfigurationProtectedSettings[k] = base64.StdEncoding.EncodeToString(v)
		}
	}
	data, err := json.Marshal(dpv1.FluxConfiguration{Properties: props})
	if err != nil {
		return err
	}
	url := fmt.Sprintf("%s/v1/clusters/%s/fluxConfigurations/%s", u.url, cluster, f.config.Name)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("PUT %s: %d %s", url, resp.StatusCode, msg)
	}
	return nil
}
