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
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// polled is the outcome of one held poll.
type polled struct {
	code    int
	etag    string
	elapsed time.Duration
	// at is when the answer arrived.
	at  time.Time
	err error
}

// holdPoll sends cluster's agent poll with If-None-Match etag and ?wait=wait in the
// background; the answer arrives on the returned channel.
func holdPoll(hc *http.Client, base, cluster, token, etag, wait string) <-chan polled {
	out := make(chan polled, 1)
	go func() {
		start := time.Now()
		req, err := http.NewRequest(http.MethodGet, base+"/v1/clusters/"+cluster+"/fluxConfigurations?wait="+wait, nil)
		if err != nil {
			out <- polled{err: err}
			return
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("If-None-Match", etag)
		resp, err := hc.Do(req)
		if err != nil {
			out <- polled{err: err}
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		out <- polled{code: resp.StatusCode, etag: resp.Header.Get("ETag"), elapsed: time.Since(start), at: time.Now()}
	}()
	return out
}

// etagOf returns the current ETag of cluster's desired set.
func (h *harness) etagOf(cluster, token string) string {
	h.t.Helper()
	code, body, header := h.do("GET", "/v1/clusters/"+cluster+"/fluxConfigurations", token, nil)
	if code != http.StatusOK {
		h.t.Fatalf("list %s: %d %s", cluster, code, body)
	}
	return header.Get("ETag")
}

func TestLongPoll_WakesOnAWriteToItsClusterOnly(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	etag := h.etagOf("cluster-a", tokenA)
	done := holdPoll(http.DefaultClient, h.http.URL, "cluster-a", tokenA, etag, "30s")
	g.Eventually(h.srv.HeldPolls, 10*time.Second, 10*time.Millisecond).Should(BeEquivalentTo(1))

	// A write to another cluster leaves the poll held.
	code, body, _ := h.do("PUT", "/v1/clusters/cluster-b/fluxConfigurations/app", adminToken, gitConfig())
	g.Expect(code).To(Equal(http.StatusCreated), string(body))
	g.Consistently(done, 500*time.Millisecond, 10*time.Millisecond).ShouldNot(Receive())

	// A write to its own cluster answers it with the new set, long before the wait ends.
	code, body, _ = h.do("PUT", "/v1/clusters/cluster-a/fluxConfigurations/app", adminToken, gitConfig())
	g.Expect(code).To(Equal(http.StatusCreated), string(body))
	var got polled
	g.Eventually(done, 10*time.Second).Should(Receive(&got))
	g.Expect(got.err).NotTo(HaveOccurred())
	g.Expect(got.code).To(Equal(http.StatusOK))
	g.Expect(got.etag).NotTo(Equal(etag))
	g.Expect(h.srv.HeldPolls()).To(BeZero())
}

func TestLongPoll_AnswersNotModifiedWhenTheWaitEnds(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	etag := h.etagOf("cluster-a", tokenA)
	var got polled
	g.Eventually(holdPoll(http.DefaultClient, h.http.URL, "cluster-a", tokenA, etag, "1"), 20*time.Second).Should(Receive(&got))
	g.Expect(got.err).NotTo(HaveOccurred())
	g.Expect(got.code).To(Equal(http.StatusNotModified))
	g.Expect(got.etag).To(Equal(etag))
	g.Expect(got.elapsed).To(BeNumerically(">=", time.Second), "the poll was not held for its wait")
}

func TestLongPoll_RefusesAnInvalidWait(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	for _, wait := range []string{"soon", "-5s", "-1", "NaN", "1x"} {
		code, body, _ := h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations?wait="+wait, tokenA, nil)
		expectError(g, code, body, http.StatusBadRequest, "wait", "wait must be a duration such as 30s")
	}
	// Valid waits are answered at once when the set differs from If-None-Match; a wait
	// above the cap is capped, not refused.
	for _, wait := range []string{"30", "1.5", "250ms", "10m"} {
		code, body, _ := h.do("GET", "/v1/clusters/cluster-a/fluxConfigurations?wait="+wait, tokenA, nil, "If-None-Match", `"stale"`)
		g.Expect(code).To(Equal(http.StatusOK), "wait=%s: %s", wait, body)
	}
}

func TestLongPoll_ShutdownEndsHeldPolls(t *testing.T) {
	g := NewWithT(t)
	s := serve(t, endpoint.ServeOptions{}, nil)
	code, body, header := (&harness{t: t}).send("GET", s.url+"/v1/clusters/cluster-a/fluxConfigurations", tokenA, nil)
	g.Expect(code).To(Equal(http.StatusOK), string(body))
	done := holdPoll(http.DefaultClient, s.url, "cluster-a", tokenA, header.Get("ETag"), "60s")
	g.Consistently(done, 300*time.Millisecond, 10*time.Millisecond).ShouldNot(Receive())

	s.cancel()
	var got polled
	g.Eventually(done, 10*time.Second).Should(Receive(&got), "a held poll delays the shutdown")
	g.Expect(got.err).NotTo(HaveOccurred())
	g.Expect(got.code).To(Equal(http.StatusNotModified))
	var serveErr error
	g.Eventually(s.done, 10*time.Second).Should(Receive(&serveErr))
	g.Expect(serveErr).NotTo(HaveOccurred())
	s.done <- serveErr // for the cleanup
}

func TestLongPoll_ManyWaitersAreWokenAndNothingLeaks(t *testing.T) {
	const waiters = 1000
	raiseFileLimit(t, 2*waiters+512)
	g := NewWithT(t)
	h := newHarness(t)
	etag := h.etagOf("cluster-a", tokenA)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = waiters
	hc := &http.Client{Transport: transport}
	baseline := runtime.NumGoroutine()

	answers := make([]<-chan polled, waiters)
	for i := range answers {
		answers[i] = holdPoll(hc, h.http.URL, "cluster-a", tokenA, etag, "60s")
	}
	g.Eventually(h.srv.HeldPolls, 30*time.Second, 20*time.Millisecond).Should(BeEquivalentTo(waiters))
	code, body, _ := h.do("PUT", "/v1/clusters/cluster-a/fluxConfigurations/app", adminToken, gitConfig())
	g.Expect(code).To(Equal(http.StatusCreated), string(body))
	for _, answer := range answers {
		var got polled
		g.Eventually(answer, 30*time.Second).Should(Receive(&got))
		g.Expect(got.err).NotTo(HaveOccurred())
		g.Expect(got.code).To(Equal(http.StatusOK))
	}
	g.Expect(h.srv.HeldPolls()).To(BeZero())

	// The connections closed, every goroutine of the waiters, client and server side, ends.
	transport.CloseIdleConnections()
	g.Eventually(runtime.NumGoroutine, 30*time.Second, 50*time.Millisecond).Should(BeNumerically("<=", baseline+5))
}

// The sweep writes expired records in one batch; that wakes the held polls too.
func TestLongPoll_WakesOnTheSweep(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	code, body, _ := h.do("PUT", "/v1/clusters/cluster-a/fluxConfigurations/app", adminToken, gitConfig())
	g.Expect(code).To(Equal(http.StatusCreated), string(body))
	etag := h.etagOf("cluster-a", tokenA)
	done := holdPoll(http.DefaultClient, h.http.URL, "cluster-a", tokenA, etag, "30s")
	g.Eventually(h.srv.HeldPolls, 10*time.Second, 10*time.Millisecond).Should(BeEquivalentTo(1))

	h.clock.Advance(49 * time.Hour)
	g.Expect(h.srv.Sweep(context.Background())).To(Succeed())
	var got polled
	g.Eventually(done, 10*time.Second).Should(Receive(&got))
	g.Expect(got.err).NotTo(HaveOccurred())
	g.Expect(got.code).To(Equal(http.StatusOK))
}

// BenchmarkLongPoll_Delivery1000 measures how long a change takes to reach 1,000 held
// polls of one cluster: from the PUT being sent to each poll's answer, reported as p50 and
// p99 in milliseconds, with the PUT's own answer time (put-ms, an fsync included) apart.
func BenchmarkLongPoll_Delivery1000(b *testing.B) {
	const waiters = 1000
	h := newHarness(b)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = waiters
	hc := &http.Client{Transport: transport}
	defer transport.CloseIdleConnections()
	var latencies []time.Duration
	var putTime time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		etag := h.etagOf("cluster-a", tokenA)
		answers := make([]<-chan polled, waiters)
		for j := range answers {
			answers[j] = holdPoll(hc, h.http.URL, "cluster-a", tokenA, etag, "60s")
		}
		for h.srv.HeldPolls() < waiters {
			time.Sleep(10 * time.Millisecond)
		}
		b.StartTimer()
		sent := time.Now()
		if code, body, _ := h.do("PUT", "/v1/clusters/cluster-a/fluxConfigurations/app", adminToken,
			map[string]any{"properties": map[string]any{"namespace": "team-a", "sourceKind": "GitRepository",
				"gitRepository": map[string]any{"url": "https://git.example.com/org/repo", "repositoryRef": map[string]any{"branch": fmt.Sprintf("b%d", i)}}}}); code >= 300 {
			b.Fatalf("PUT answered %d: %s", code, body)
		}
		putTime += time.Since(sent)
		for _, answer := range answers {
			got := <-answer
			if got.err != nil || got.code != http.StatusOK {
				b.Fatalf("held poll: %d %v", got.code, got.err)
			}
			latencies = append(latencies, got.at.Sub(sent))
		}
	}
	slices.Sort(latencies)
	percentile := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(percentile(0.50), "p50-ms")
	b.ReportMetric(percentile(0.99), "p99-ms")
	b.ReportMetric(float64(putTime)/float64(time.Millisecond)/float64(b.N), "put-ms")
	b.ReportMetric(0, "ns/op")
}

// Held polls keep their connections busy; at the connection cap the oldest one answers 304
// and closes, so a new client is served rather than refused.
func TestLongPoll_YieldsItsConnectionAtTheCap(t *testing.T) {
	g := NewWithT(t)
	const maxConns = 4
	o := endpoint.DefaultServeOptions()
	o.MaxConnections = maxConns
	s := serve(t, o, nil)
	code, body, header := (&harness{t: t}).send("GET", s.url+"/v1/clusters/cluster-a/fluxConfigurations", tokenA, nil)
	g.Expect(code).To(Equal(http.StatusOK), string(body))

	answers := make([]<-chan polled, maxConns)
	for i := range answers {
		// A client of its own per poll: one connection each.
		hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		answers[i] = holdPoll(hc, s.url, "cluster-a", tokenA, header.Get("ETag"), "60s")
		time.Sleep(50 * time.Millisecond) // in order, so the first is the oldest
	}
	for _, answer := range answers {
		g.Consistently(answer, 200*time.Millisecond).ShouldNot(Receive())
	}

	fresh := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	req, err := http.NewRequest(http.MethodGet, s.url+"/v1/clusters/cluster-a/fluxConfigurations", nil)
	g.Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Authorization", "Bearer "+tokenA)
	resp, err := fresh.Do(req)
	g.Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK), "the new client was refused")

	var got polled
	g.Eventually(answers[0], 10*time.Second).Should(Receive(&got))
	g.Expect(got.err).NotTo(HaveOccurred())
	g.Expect(got.code).To(Equal(http.StatusNotModified))
	for _, answer := range answers[1:] {
		g.Expect(answer).NotTo(Receive(), "more polls than needed gave up their connection")
	}
}
