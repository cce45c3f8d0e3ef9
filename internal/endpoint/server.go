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

// Package endpoint is the reference configuration endpoint: a management API that stores
// FluxConfigs per cluster in the ARM fluxConfigurations model, an agent API that serves each
// cluster its desired set and takes its status reports, and the 48-hour delivery rules.
package endpoint

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

// Server serves the management and agent APIs over a Store.
type Server struct {
	Store  Store
	Tokens *Tokens
	// Now is the clock; tests replace it to cross the 48-hour limits without waiting.
	Now func() time.Time
	Log logr.Logger

	// mu serialises read-modify-write of records; the reference server favours simple
	// correctness over write concurrency.
	mu sync.Mutex
	// etags answers polls that changed nothing without reading the store.
	etags etagCache
}

// Handler returns the HTTP handler of every route.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	const item = "/v1/clusters/{cluster}/fluxConfigurations/{name}"
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("GET /v1/clusters/{cluster}/fluxConfigurations", s.auth(RoleAgent, s.list))
	mux.HandleFunc("GET "+item, s.auth(RoleAdmin, s.get))
	mux.HandleFunc("PUT "+item, s.auth(RoleAdmin, s.put))
	mux.HandleFunc("PATCH "+item, s.auth(RoleAdmin, s.patch))
	mux.HandleFunc("DELETE "+item, s.auth(RoleAdmin, s.delete))
	mux.HandleFunc("PUT "+item+"/status", s.auth(RoleAgent, s.putStatus))
	return s.logRequests(mux)
}

// handlerFunc is a route with the caller's role resolved.
type handlerFunc func(w http.ResponseWriter, r *http.Request, role Role)

// auth refuses callers below least. Admin passes everywhere; an agent only on its own
// cluster's agent routes.
func (s *Server) auth(least Role, next handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cluster := r.PathValue("cluster")
		role := s.Tokens.Authorize(r, cluster)
		switch {
		case role == RoleNone:
			w.Header().Set("WWW-Authenticate", `Bearer realm="fluxconfig-endpoint"`)
			writeError(w, http.StatusUnauthorized, "Unauthorized", "", "a valid bearer token is required")
		case role == RoleOtherCluster:
			writeError(w, http.StatusForbidden, "Forbidden", "", "this token belongs to another cluster than "+cluster)
		case least == RoleAdmin && role != RoleAdmin:
			writeError(w, http.StatusForbidden, "Forbidden", "", "the management API needs the admin token")
		default:
			next(w, r, role)
		}
	}
}

// Run purges expired protected settings and times out operations every interval until ctx
// ends; reads also apply the rules, so this only keeps the store tidy.
func (s *Server) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Sweep(ctx); err != nil {
				s.Log.Error(err, "Sweeping expired operations failed")
			}
		}
	}
}

// Sweep applies the 48-hour rules to every record.
func (s *Server) Sweep(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	recs, err := s.Store.ListAll(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, rec := range recs {
		if expire(rec, s.Now()) {
			errs = append(errs, s.putRecord(ctx, rec))
		}
	}
	return errors.Join(errs...)
}

// statusRecorder captures the status code for the access log.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// logRequests logs method, path and status only: headers carry tokens and bodies carry
// secrets, so neither is ever logged.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.Log.V(1).Info("Request served", "method", r.Method, "path", r.URL.Path, "status", rec.code, "duration", time.Since(start))
	})
}
