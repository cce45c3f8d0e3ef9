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
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"
)

// connLimiter caps the open connections of a listener. Unlike a limit that stops accepting
// when full (netutil.LimitListener), it always accepts, and makes room by closing the
// connection that has waited longest without a request in progress: a client still sending
// its headers (a slowloris) or an idle keep-alive connection, HTTP/1.1 or HTTP/2. So a burst
// of slow or idle connections can never starve a new client, /healthz included, while the
// count stays at the cap. A connection serving a request is never closed: when every one is,
// the oldest one holding a long-poll is asked to answer it (304) and close, the new one
// admitted meanwhile; without one, up to reserved more are admitted for /healthz only (see
// healthzOnlyWhenReserved), and only beyond those is a new connection refused.
type connLimiter struct {
	net.Listener
	max, reserved int

	mu    sync.Mutex
	conns map[*limitedConn]struct{}
}

func newConnLimiter(ln net.Listener, maxConns, reserved int) *connLimiter {
	return &connLimiter{Listener: ln, max: maxConns, reserved: reserved, conns: map[*limitedConn]struct{}{}}
}

// limitedConn is an accepted connection and what the HTTP server last said of it.
type limitedConn struct {
	net.Conn
	l     *connLimiter
	once  sync.Once
	state http.ConnState
	since time.Time
	// reserve is set on a connection admitted above the cap: it may only ask for /healthz.
	reserve bool
	// held counts the long-polls waiting on the connection; yield, closed to make room,
	// tells them to answer at once.
	held  int
	yield chan struct{}
}

// Close closes the connection once and forgets it.
func (c *limitedConn) Close() error {
	err := net.ErrClosed
	c.once.Do(func() {
		c.l.forget(c)
		err = c.Conn.Close()
	})
	return err
}

// Accept implements net.Listener.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		inner, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c := &limitedConn{Conn: inner, l: l, state: http.StateNew, since: time.Now()}
		victim, admitted := l.admit(c)
		if victim != nil {
			_ = victim.Close()
		}
		if admitted {
			return c, nil
		}
		_ = inner.Close()
	}
}

// admit registers c, choosing a connection to close when the cap is reached; admitted is
// false when no connection can make room.
func (l *connLimiter) admit(c *limitedConn) (victim *limitedConn, admitted bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.conns) >= l.max {
		for other := range l.conns {
			if other.state != http.StateNew && other.state != http.StateIdle {
				continue
			}
			if victim == nil || other.since.Before(victim.since) {
				victim = other
			}
		}
		switch {
		case victim != nil:
			delete(l.conns, victim)
		case l.yieldOne():
			// The held poll answers 304 and its connection closes: room for this one.
		case len(l.conns) < l.max+l.reserved:
			c.reserve = true
		default:
			return nil, false
		}
	}
	l.conns[c] = struct{}{}
	return victim, true
}

// yieldOne asks the oldest connection holding a long-poll to end it and close, and reports
// whether there was one. Callers hold l.mu.
func (l *connLimiter) yieldOne() bool {
	var oldest *limitedConn
	for c := range l.conns {
		if c.held > 0 && c.yield != nil && (oldest == nil || c.since.Before(oldest.since)) {
			oldest = c
		}
	}
	if oldest == nil {
		return false
	}
	close(oldest.yield)
	oldest.yield = nil
	return true
}

// hold registers a long-poll on the request's connection. The returned channel is closed
// when the connection must make room for a new one (nil when the request did not come
// through a connLimiter); release ends the registration.
func hold(r *http.Request) (yield <-chan struct{}, release func()) {
	c, _ := r.Context().Value(connKey{}).(*limitedConn)
	if c == nil {
		return nil, func() {}
	}
	l := c.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, open := l.conns[c]; !open {
		return nil, func() {}
	}
	if c.yield == nil && c.held == 0 {
		c.yield = make(chan struct{})
	}
	c.held++
	yield = c.yield
	if yield == nil {
		// The connection already yielded: answer at once.
		closed := make(chan struct{})
		close(closed)
		yield = closed
	}
	return yield, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		c.held--
	}
}

func (l *connLimiter) forget(c *limitedConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.conns, c)
}

// track is the server's ConnState hook; HTTP/2 reports its idle and active streams through
// it too.
func (l *connLimiter) track(nc net.Conn, state http.ConnState) {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	c, ok := nc.(*limitedConn)
	if !ok {
		return
	}
	if state == http.StateClosed || state == http.StateHijacked {
		l.forget(c)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	c.state, c.since = state, time.Now()
}

type reserveKey struct{}

type connKey struct{}

// connContext marks the requests of a reserve connection, and gives every request its
// connection, for hold.
func connContext(ctx context.Context, nc net.Conn) context.Context {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	c, ok := nc.(*limitedConn)
	if !ok {
		return ctx
	}
	ctx = context.WithValue(ctx, connKey{}, c)
	if c.reserve {
		ctx = context.WithValue(ctx, reserveKey{}, true)
	}
	return ctx
}

// healthzOnlyWhenReserved answers 503 to anything but healthPath on a reserve connection, so
// the liveness probe still gets through when every other connection is busy.
func healthzOnlyWhenReserved(healthPath string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Context().Value(reserveKey{}) != nil && r.URL.Path != healthPath {
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", "5")
			writeError(w, http.StatusServiceUnavailable, "ServerBusy", "",
				"the endpoint is serving as many connections as it may (--max-connections); retry later")
			return
		}
		next.ServeHTTP(w, r)
	})
}
