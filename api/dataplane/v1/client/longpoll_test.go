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

package client_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// A held poll outlives the client's timeout by its wait, and ends with the change.
func TestClient_LongPoll(t *testing.T) {
	g := NewWithT(t)
	e := startEndpoint(t, false)
	ctx := context.Background()
	admin := newClient(t, client.Options{Endpoint: e.URL, Token: "admin"}).Cluster("a")
	agent := newClient(t, client.Options{Endpoint: e.URL, TokenFile: e.Tokens.AgentTokenFile("a"), Timeout: 500 * time.Millisecond}).Cluster("a")
	first, err := agent.ListDesired(ctx, "")
	g.Expect(err).NotTo(HaveOccurred())

	// Held for its whole wait, longer than the timeout: 304.
	start := time.Now()
	res, err := agent.ListDesired(ctx, first.ETag, client.WithWait(1500*time.Millisecond))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.NotModified).To(BeTrue())
	g.Expect(time.Since(start)).To(BeNumerically(">=", 1500*time.Millisecond), "the poll was not held")

	// Woken by a write.
	type answer struct {
		res *client.ListResult
		err error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := agent.ListDesired(ctx, first.ETag, client.WithWait(30*time.Second))
		done <- answer{res, err}
	}()
	g.Consistently(done, 300*time.Millisecond).ShouldNot(Receive())
	_, err = admin.Put(ctx, "app", gitConfig())
	g.Expect(err).NotTo(HaveOccurred())
	var got answer
	g.Eventually(done, 10*time.Second).Should(Receive(&got))
	g.Expect(got.err).NotTo(HaveOccurred())
	g.Expect(got.res.NotModified).To(BeFalse())
	g.Expect(got.res.Items).To(HaveLen(1))
}
