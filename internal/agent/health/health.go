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

// Package health serves fluxconfig-agent's liveness and readiness probes. Unlike the
// manager's probe server, which withholds the reason of a failed check, the readiness answer
// says exactly what is wrong with the endpoint: an unready pod with no cause is the most
// common complaint about the agent this project re-creates.
package health

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// Server answers /healthz always, and /readyz with 503 and the reason while Ready fails.
type Server struct {
	// Addr to listen on; "0" disables the server.
	Addr string
	// Ready returns nil when the agent is ready, else the reason.
	Ready func() error
}

var (
	_ manager.Runnable               = (*Server)(nil)
	_ manager.LeaderElectionRunnable = (*Server)(nil)
)

// NeedLeaderElection is false: every replica answers its probes.
func (s *Server) NeedLeaderElection() bool { return false }

// Handler returns the probe routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := s.Ready(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			// One line per reason: the endpoint's state, a held prune.
			for _, line := range strings.Split(err.Error(), "\n") {
				_, _ = w.Write([]byte("[-]" + line + "\n"))
			}
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	return mux
}

// Start serves until ctx ends.
func (s *Server) Start(ctx context.Context) error {
	if s.Addr == "0" || s.Addr == "" {
		return nil
	}
	l, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
