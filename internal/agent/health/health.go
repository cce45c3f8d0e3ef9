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
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// Check is one named readiness check: Err returns nil when it passes, else the reason.
type Check struct {
	Name string
	Err  func() error
}

// Server answers /healthz always, and /readyz with 503 and the reasons while a check fails.
// As kube-apiserver's /readyz, it takes ?exclude=NAME (repeated) to leave checks out, so a
// readiness probe can gate on fewer checks than a person reading /readyz is told about, and
// ?verbose to list the checks that pass too.
type Server struct {
	// Addr to listen on; "0" disables the server.
	Addr string
	// Checks are the readiness checks, in the order they are reported.
	Checks []Check
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
	mux.HandleFunc("/readyz", s.readyz)
	return mux
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	excluded, verbose := q["exclude"], q.Has("verbose")
	var out strings.Builder
	failed := false
	for _, c := range s.Checks {
		if slices.Contains(excluded, c.Name) {
			if verbose {
				fmt.Fprintf(&out, "[+]%s excluded: ok\n", c.Name)
			}
			continue
		}
		err := c.Err()
		if err == nil {
			if verbose {
				fmt.Fprintf(&out, "[+]%s ok\n", c.Name)
			}
			continue
		}
		failed = true
		// One line per reason.
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(&out, "[-]%s: %s\n", c.Name, line)
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if failed {
		w.WriteHeader(http.StatusServiceUnavailable)
	} else {
		out.WriteString("ok")
	}
	_, _ = w.Write([]byte(out.String()))
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
