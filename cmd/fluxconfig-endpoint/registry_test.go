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

package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// TestRun_RegistryWithoutTokenDirSurvivesRestart runs the endpoint with the registry alone (no
// --cluster-tokens-dir): a registered cluster's agent polls, and after SIGTERM and a restart
// the registration, its token and the last poll, persisted at shutdown, are all there.
func TestRun_RegistryWithoutTokenDirSurvivesRestart(t *testing.T) {
	g := NewWithT(t)
	dir, tokens := runDir(t, g, nil)
	start := func() (*testutil.Process, string) {
		addr := freeAddr(g)
		p, err := testutil.StartProcess(os.Args[0], testutil.ProcessOptions{LogPath: filepath.Join(dir, "endpoint.log")},
			"--admin-token-file="+tokens.AdminFile, "--listen="+addr, "--data="+filepath.Join(dir, "store.db"),
			"--cluster-poll-persist-interval=1h")
		g.Expect(err).NotTo(HaveOccurred())
		t.Cleanup(func() { _ = p.Stop(time.Second) })
		g.Expect(testutil.WaitHTTP(context.Background(), "http://"+addr+"/healthz", 30*time.Second)).To(Succeed())
		return p, "http://" + addr
	}
	ctx := context.Background()
	p, url := start()
	adminClient, err := client.New(client.Options{Endpoint: url, Token: adminToken})
	g.Expect(err).NotTo(HaveOccurred())
	reg, created, err := adminClient.RegisterCluster(ctx, "east-1", map[string]string{"region": "eu"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(created).To(BeTrue())
	agent, err := client.New(client.Options{Endpoint: url, Token: reg.Token, UserAgent: "fluxconfig-agent/v9.8.7"})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = agent.Cluster("east-1").ListDesired(ctx, "")
	g.Expect(err).NotTo(HaveOccurred())

	g.Expect(p.Cmd.Process.Signal(syscall.SIGTERM)).To(Succeed())
	g.Eventually(p.Done(), 30*time.Second).Should(BeClosed())
	g.Expect(p.Err()).NotTo(HaveOccurred())

	_, url = start()
	adminClient, err = client.New(client.Options{Endpoint: url, Token: adminToken})
	g.Expect(err).NotTo(HaveOccurred())
	got, err := adminClient.GetCluster(ctx, "east-1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Labels).To(Equal(map[string]string{"region": "eu"}))
	g.Expect(got.LastPollTime).NotTo(BeNil(), "the last poll is persisted at shutdown")
	g.Expect(got.AgentVersion).To(Equal("v9.8.7"))
	agent, err = client.New(client.Options{Endpoint: url, Token: reg.Token})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = agent.Cluster("east-1").ListDesired(ctx, "")
	g.Expect(err).NotTo(HaveOccurred(), "the registered token works after the restart")
	_, err = agent.Cluster("west-1").ListDesired(ctx, "")
	g.Expect(client.StatusCode(err)).To(Equal(http.StatusForbidden), "east-1's token opens no other cluster")
}
