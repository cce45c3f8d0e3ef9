//go:build chaos

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

package chaos

import (
	"bufio"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// proxyMode is the fault the proxy injects into the connections it carries.
type proxyMode int32

const (
	proxyPass proxyMode = iota
	// proxyLatency delays every chunk, both ways.
	proxyLatency
	// proxyReset answers a new connection with a TCP reset.
	proxyReset
	// proxyTruncate cuts each answer after a random number of bytes, with a reset.
	proxyTruncate
	// proxy5xx answers every request 503 without passing it on.
	proxy5xx
)

func (m proxyMode) String() string {
	return [...]string{"pass", "proxy-latency", "proxy-reset", "proxy-truncate", "proxy-5xx"}[m]
}

// proxy is a TCP proxy between the agent and the endpoint. Entering a fault resets every
// open connection, so a kept-alive connection cannot carry on around the fault.
type proxy struct {
	ln       net.Listener
	upstream string
	mode     atomic.Int32
	latency  atomic.Int64
	faulted  atomic.Int64 // connections or requests a fault acted on

	mu    sync.Mutex
	rng   *rand.Rand
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func startProxy(listen, upstream string, seed uint64) (*proxy, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, upstream: upstream, rng: newRand(seed, 3), conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

// set changes the fault; latency matters for proxyLatency only.
func (p *proxy) set(m proxyMode, latency time.Duration) {
	p.latency.Store(int64(latency))
	p.mode.Store(int32(m))
	if m != proxyPass {
		p.mu.Lock()
		for c := range p.conns {
			reset(c)
		}
		p.mu.Unlock()
	}
}

func (p *proxy) current() proxyMode { return proxyMode(p.mode.Load()) }

func (p *proxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.handle(c)
		}()
	}
}

func (p *proxy) track(c net.Conn, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
}

func (p *proxy) handle(client net.Conn) {
	p.track(client, true)
	defer p.track(client, false)
	defer client.Close()
	switch p.current() {
	case proxyReset:
		p.faulted.Add(1)
		reset(client)
		return
	case proxy5xx:
		p.answer503(client)
		return
	}
	upstream, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		// The endpoint is down: the agent sees a refused connection, as it would.
		reset(client)
		return
	}
	p.track(upstream, true)
	defer p.track(upstream, false)
	defer upstream.Close()
	done := make(chan struct{}, 2)
	go func() { p.pipe(upstream, client, false); done <- struct{}{} }()
	go func() { p.pipe(client, upstream, true); done <- struct{}{} }()
	<-done
	reset(client)
	reset(upstream)
	<-done
}

// pipe copies src to dst chunk by chunk, applying the fault in force; answers says that
// src is the endpoint's side.
func (p *proxy) pipe(dst, src net.Conn, answers bool) {
	buf := make([]byte, 32<<10)
	budget := -1 // bytes left before a truncation; -1: none
	for {
		n, err := src.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			switch p.current() {
			case proxyLatency:
				time.Sleep(time.Duration(p.latency.Load()))
			case proxyTruncate:
				if answers && budget < 0 {
					p.mu.Lock()
					budget = p.rng.IntN(1024)
					p.mu.Unlock()
				}
			}
			if budget >= 0 {
				if budget < len(chunk) {
					p.faulted.Add(1)
					_, _ = dst.Write(chunk[:budget])
					return
				}
				budget -= len(chunk)
			}
			if _, werr := dst.Write(chunk); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// answer503 reads one request and answers it 503, as an overloaded ingress would.
func (p *proxy) answer503(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, req.Body)
	p.faulted.Add(1)
	_, _ = io.WriteString(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 12\r\nConnection: close\r\n\r\nchaos: 503\r\n")
}

// reset closes c with a TCP RST instead of a FIN.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
