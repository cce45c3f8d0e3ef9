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
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// runMainEnv makes the test binary run main, so the tests start the endpoint as a process
// of its own without building it.
const runMainEnv = "FLUXCONFIG_ENDPOINT_TEST_RUN_MAIN"

// adminToken is the admin token of every endpoint these tests run.
const adminToken = "admin-token"

// runDir writes adminToken and the clusters' tokens in a new temporary directory, and makes
// the test binary, started again, run main.
func runDir(t *testing.T, g *WithT, clusters map[string]string) (string, *testutil.TokenDir) {
	t.Helper()
	dir := t.TempDir()
	tokens, err := testutil.WriteTokenDir(dir, adminToken, clusters)
	g.Expect(err).NotTo(HaveOccurred())
	t.Setenv(runMainEnv, "1")
	return dir, tokens
}

// freeAddr is a local address free to listen on.
func freeAddr(g *WithT) string {
	addr, err := testutil.FreeAddr()
	g.Expect(err).NotTo(HaveOccurred())
	return addr
}

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	testutil.StopPostgres()
	os.Exit(code)
}

func TestRun_SIGTERMAnswersTheRequestInFlight(t *testing.T) {
	g := NewWithT(t)
	dir, tokens := runDir(t, g, map[string]string{"cluster-a": "cluster-a-token"})
	addr := freeAddr(g)
	data := filepath.Join(dir, "store.db")
	p, err := testutil.StartProcess(os.Args[0], testutil.ProcessOptions{LogPath: filepath.Join(dir, "endpoint.log")},
		append(tokens.EndpointFlags(), "--listen="+addr, "--data="+data)...)
	g.Expect(err).NotTo(HaveOccurred())
	defer func() { _ = p.Stop(time.Second) }()
	g.Expect(testutil.WaitHTTP(context.Background(), "http://"+addr+"/healthz", 30*time.Second)).To(Succeed())

	// A PUT whose handler is waiting for its body when SIGTERM arrives: with
	// "Expect: 100-continue", the endpoint says "100 Continue" once the handler reads the body.
	c, err := net.Dial("tcp", addr)
	g.Expect(err).NotTo(HaveOccurred())
	defer c.Close()
	rd := bufio.NewReader(c)
	body, err := json.Marshal(map[string]any{"properties": map[string]any{
		"namespace": "team-a", "sourceKind": "GitRepository",
		"gitRepository":  map[string]any{"url": "https://git.example.com/org/repo", "repositoryRef": map[string]any{"branch": "main"}},
		"kustomizations": map[string]any{"apps": map[string]any{"path": "./apps"}},
	}})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = fmt.Fprintf(c, "PUT /v1/clusters/cluster-a/fluxConfigurations/app HTTP/1.1\r\nHost: endpoint\r\n"+
		"Authorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", adminToken, len(body))
	g.Expect(err).NotTo(HaveOccurred())
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(rd, nil)
	g.Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusContinue))
	_, err = c.Write(body[:len(body)/2])
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(p.Cmd.Process.Signal(syscall.SIGTERM)).To(Succeed())

	// Once it stops accepting, the shutdown has begun; the rest of the body then arrives.
	g.Eventually(func() error {
		probe, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			probe.Close()
		}
		return err
	}, 10*time.Second, 20*time.Millisecond).Should(HaveOccurred())
	_, err = c.Write(body[len(body)/2:])
	g.Expect(err).NotTo(HaveOccurred())
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err = http.ReadResponse(rd, nil)
	g.Expect(err).NotTo(HaveOccurred(), "the request in flight is answered")
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusCreated))

	// The process ends cleanly, and what it acknowledged is in the store.
	g.Eventually(p.Done(), 30*time.Second).Should(BeClosed())
	g.Expect(p.Err()).NotTo(HaveOccurred())
	store, err := endpoint.OpenBolt(data)
	g.Expect(err).NotTo(HaveOccurred())
	defer store.Close()
	rec, err := store.Get(context.Background(), "cluster-a", "app")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rec.Properties.GitRepository.URL).To(Equal("https://git.example.com/org/repo"))
}
