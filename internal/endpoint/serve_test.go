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

package endpoint_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// served is a real Server over bbolt, served by endpoint.Serve on 127.0.0.1.
type served struct {
	url    string
	addr   string
	store  *endpoint.BoltStore
	path   string
	cancel context.CancelFunc
	done   chan error
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "endpoint"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func serve(t *testing.T, o endpoint.ServeOptions, wrap func(http.Handler) http.Handler) *served {
	t.Helper()
	dir := t.TempDir()
	tokens, err := testutil.WriteTokenDir(dir, adminToken, map[string]string{"cluster-a": tokenA})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "store.db")
	store, err := endpoint.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &endpoint.Server{Store: store, Tokens: tokens.Tokens(), Now: time.Now, Log: logr.Discard()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	handler := srv.Handler()
	if wrap != nil {
		handler = wrap(handler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	scheme := "http://"
	if o.CertFile != "" {
		scheme = "https://"
	}
	if o.OnShutdown == nil {
		o.OnShutdown = srv.EndLongPolls
	}
	s := &served{url: scheme + ln.Addr().String(), addr: ln.Addr().String(), store: store, path: path, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- endpoint.Serve(ctx, ln, handler, o) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("Serve did not return within 30s of its context ending")
		}
		_ = store.Close()
	})
	return s
}

// raiseFileLimit makes room for n open files, or skips the test.
func raiseFileLimit(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("reading RLIMIT_NOFILE: %v", err)
	}
	if lim.Cur >= n {
		return
	}
	lim.Cur = min(n, lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < n {
		t.Skipf("this test needs %d open files; RLIMIT_NOFILE allows %d", n, lim.Cur)
	}
}

func TestServe_SlowlorisLeavesHealthzAnswering(t *testing.T) {
	const slow, maxConns = 2000, 500
	raiseFileLimit(t, 2*slow+256)
	g := NewWithT(t)
	// Header timeouts long enough that only the connection cap can make room during the test.
	o := endpoint.DefaultServeOptions()
	o.MaxConnections, o.ReadHeaderTimeout = maxConns, time.Minute
	s := serve(t, o, nil)

	// 2,000 clients each send half a request's headers and then nothing.
	conns := make([]net.Conn, 0, slow)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range slow {
		c, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
		g.Expect(err).NotTo(HaveOccurred())
		conns = append(conns, c)
		_, _ = c.Write([]byte("GET /v1/clusters/cluster-a/fluxConfigurations HTTP/1.1\r\nHost: endpoint\r\nAuthorization: Bea"))
	}

	// /healthz answers, on a new connection, while they hold on.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for range 3 {
		resp, err := client.Get(s.url + "/healthz")
		g.Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
		g.Expect(string(body)).To(Equal("ok"))
	}

	// The server holds at most its cap: the others were closed to make room.
	var closed atomic.Int64
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			if _, err := c.Read(make([]byte, 1)); errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
				closed.Add(1)
			}
		})
	}
	wg.Wait()
	g.Expect(closed.Load()).To(BeNumerically(">=", slow-maxConns))
}

func TestServe_TimeoutsCloseSlowClients(t *testing.T) {
	g := NewWithT(t)
	o := endpoint.DefaultServeOptions()
	o.ReadHeaderTimeout, o.IdleTimeout = 300*time.Millisecond, 300*time.Millisecond
	s := serve(t, o, nil)

	// One sends half its headers; one is an idle keep-alive connection after a request.
	partial, err := net.Dial("tcp", s.addr)
	g.Expect(err).NotTo(HaveOccurred())
	defer partial.Close()
	_, _ = partial.Write([]byte("GET /healthz HTTP/1.1\r\nHo"))
	idle, err := net.Dial("tcp", s.addr)
	g.Expect(err).NotTo(HaveOccurred())
	defer idle.Close()
	_, _ = idle.Write([]byte("GET /healthz HTTP/1.1\r\nHost: endpoint\r\n\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	g.Expect(err).NotTo(HaveOccurred())
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	for _, c := range []net.Conn{partial, idle} {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err := io.Copy(io.Discard, c)
		g.Expect(err).NotTo(HaveOccurred(), "the server closed the connection (EOF), not the test's deadline")
	}
}

func TestServe_ShutdownAnswersTheRequestInFlight(t *testing.T) {
	g := NewWithT(t)
	arrived := make(chan struct{})
	var once sync.Once
	s := serve(t, endpoint.ServeOptions{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut {
				once.Do(func() { close(arrived) })
			}
			next.ServeHTTP(w, r)
		})
	})

	// A PUT whose body is half sent when the shutdown begins.
	body, err := json.Marshal(gitConfig())
	g.Expect(err).NotTo(HaveOccurred())
	c, err := net.Dial("tcp", s.addr)
	g.Expect(err).NotTo(HaveOccurred())
	defer c.Close()
	_, err = fmt.Fprintf(c, "PUT /v1/clusters/cluster-a/fluxConfigurations/app HTTP/1.1\r\nHost: endpoint\r\n"+
		"Authorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", adminToken, len(body), body[:len(body)/2])
	g.Expect(err).NotTo(HaveOccurred())
	<-arrived
	s.cancel()

	// The endpoint stops accepting, and keeps the request it has.
	g.Eventually(func() error {
		probe, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err == nil {
			probe.Close()
		}
		return err
	}, 10*time.Second, 20*time.Millisecond).Should(HaveOccurred())
	select {
	case err := <-s.done:
		s.done <- err
		t.Fatalf("Serve returned (%v) with a request in flight", err)
	default:
	}
	_, err = c.Write(body[len(body)/2:])
	g.Expect(err).NotTo(HaveOccurred())
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	g.Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusCreated))
	var serveErr error
	g.Eventually(s.done, 10*time.Second).Should(Receive(&serveErr))
	g.Expect(serveErr).NotTo(HaveOccurred())
	s.done <- serveErr // for the cleanup

	rec, err := s.store.Get(context.Background(), "cluster-a", "app")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rec.Properties.GitRepository.URL).To(Equal("https://git.example.com/org/repo"))
}

// Idle HTTP/2 connections count against the cap like any other, and make room when full.
func TestServe_IdleHTTP2ConnectionsCount(t *testing.T) {
	g := NewWithT(t)
	o := endpoint.DefaultServeOptions()
	var pool *x509.CertPool
	o.CertFile, o.KeyFile, pool = selfSigned(t, t.TempDir())
	o.MaxConnections = 3
	s := serve(t, o, nil)

	// Five clients, each with a connection of its own, left idle after one request.
	clients := make([]*http.Client, 5)
	get := func(c *http.Client) (reused bool) {
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
		})
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/healthz", nil)
		g.Expect(err).NotTo(HaveOccurred())
		resp, err := c.Do(req)
		g.Expect(err).NotTo(HaveOccurred())
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
		g.Expect(resp.ProtoMajor).To(Equal(2))
		return reused
	}
	for i := range clients {
		clients[i] = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			ForceAttemptHTTP2: true, TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
		t.Cleanup(clients[i].CloseIdleConnections)
		g.Expect(get(clients[i])).To(BeFalse())
		time.Sleep(10 * time.Millisecond) // distinct idle times
	}

	// The three newest kept their connections; the two oldest were closed to make room.
	time.Sleep(200 * time.Millisecond)
	for _, i := range []int{4, 3, 2} {
		g.Expect(get(clients[i])).To(BeTrue(), "client %d keeps its connection", i)
	}
	for _, i := range []int{0, 1} {
		g.Expect(get(clients[i])).To(BeFalse(), "client %d had its idle connection closed", i)
	}
}

// When every connection below the cap is serving a request, /healthz still answers on a
// reserved connection, and anything else there is told to come back.
func TestServe_HealthzAnswersWhenEveryConnectionIsBusy(t *testing.T) {
	g := NewWithT(t)
	const maxConns = 4
	var arrived sync.WaitGroup
	arrived.Add(maxConns)
	o := endpoint.DefaultServeOptions()
	o.MaxConnections = maxConns
	s := serve(t, o, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut {
				arrived.Done()
			}
			next.ServeHTTP(w, r)
		})
	})

	// Four PUTs whose bodies never finish keep every connection busy.
	var busy []net.Conn
	defer func() {
		for _, c := range busy {
			_ = c.Close()
		}
	}()
	for i := range maxConns {
		c, err := net.Dial("tcp", s.addr)
		g.Expect(err).NotTo(HaveOccurred())
		busy = append(busy, c)
		_, err = fmt.Fprintf(c, "PUT /v1/clusters/cluster-a/fluxConfigurations/app-%d HTTP/1.1\r\nHost: endpoint\r\n"+
			"Authorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", i, adminToken)
		g.Expect(err).NotTo(HaveOccurred())
	}
	arrived.Wait()

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(s.url + "/healthz")
	g.Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK))

	code, body := (&harness{t: t}).doURL("GET", s.url+"/v1/clusters/cluster-a/fluxConfigurations", adminToken, nil)
	expectError(g, code, body, http.StatusServiceUnavailable, "", "as many connections as it may (--max-connections); retry later")
}
