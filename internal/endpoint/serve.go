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
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// HealthPath is the liveness probe's path; it answers even when every connection is busy.
const HealthPath = "/healthz"

// reservedConnections are admitted above MaxConnections, for HealthPath only, when every
// connection below the cap is serving a request.
const reservedConnections = 16

// ServeOptions bound what one client can hold of the endpoint. Zero fields take the
// defaults of DefaultServeOptions.
type ServeOptions struct {
	// ReadHeaderTimeout bounds the wait for a request's headers (and a TLS handshake).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of the request's headers to the end of
	// the answer, a held poll's wait included: keep it above MaxLongPollWait.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection (HTTP/1.1 or HTTP/2) idle for this long.
	IdleTimeout time.Duration
	// ShutdownTimeout is how long requests in flight may take to finish once ctx ends.
	ShutdownTimeout time.Duration
	// MaxConnections caps the open connections; see connLimiter for what happens above it.
	MaxConnections int
	// CertFile and KeyFile serve TLS (and HTTP/2) when set.
	CertFile, KeyFile string
	// OnShutdown is called when the shutdown begins, before the wait for the requests in
	// flight: Server.EndLongPolls, so held polls answer at once rather than at their end.
	OnShutdown func()
}

// DefaultServeOptions are timeouts long enough for a 1 MiB body or a 3 MiB answer over a
// slow link, after a held poll's longest wait, and a connection cap above one connection
// per agent of a large fleet: a held poll keeps its connection busy, so it is never
// closed to make room.
func DefaultServeOptions() ServeOptions {
	return ServeOptions{
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      MaxLongPollWait + time.Minute,
		IdleTimeout:       2 * time.Minute,
		ShutdownTimeout:   20 * time.Second,
		MaxConnections:    4096,
	}
}

func (o *ServeOptions) withDefaults() {
	d := DefaultServeOptions()
	for _, f := range []struct{ v, def *time.Duration }{
		{&o.ReadHeaderTimeout, &d.ReadHeaderTimeout}, {&o.ReadTimeout, &d.ReadTimeout},
		{&o.WriteTimeout, &d.WriteTimeout}, {&o.IdleTimeout, &d.IdleTimeout}, {&o.ShutdownTimeout, &d.ShutdownTimeout},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = d.MaxConnections
	}
}

// Serve serves handler on ln until ctx ends. Then it stops accepting, lets the requests in
// flight finish for up to ShutdownTimeout, and returns only once they have (or the time is
// up), so a caller that closes the store after Serve never drops an accepted request.
func Serve(ctx context.Context, ln net.Listener, handler http.Handler, o ServeOptions) error {
	o.withDefaults()
	limited := newConnLimiter(ln, o.MaxConnections, reservedConnections)
	srv := &http.Server{
		Handler:           healthzOnlyWhenReserved(HealthPath, handler),
		ConnContext:       connContext,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		ConnState:         limited.track,
	}
	served := make(chan error, 1)
	go func() {
		if o.CertFile != "" {
			served <- srv.ServeTLS(limited, o.CertFile, o.KeyFile)
		} else {
			served <- srv.Serve(limited)
		}
	}()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	if o.OnShutdown != nil {
		o.OnShutdown()
	}
	stop, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(stop)
	if servErr := <-served; !errors.Is(servErr, http.ErrServerClosed) {
		err = errors.Join(err, servErr)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("requests still in flight %s after the shutdown began: %w", o.ShutdownTimeout, err)
	}
	return err
}
