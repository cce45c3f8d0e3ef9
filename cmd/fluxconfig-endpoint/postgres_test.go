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
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// TestRun_DatabaseURLAndDataAreExclusive: the two stores cannot be asked for at once.
func TestRun_DatabaseURLAndDataAreExclusive(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "--admin-token-file="+filepath.Join(dir, "admin"), "--listen=127.0.0.1:0",
		"--data="+filepath.Join(dir, "store.db"), "--database-url=postgres://fluxconfig@127.0.0.1:1/fluxconfig")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	g.Expect(errors.As(err, &exit)).To(BeTrue(), "%v", err)
	g.Expect(exit.ExitCode()).To(Equal(2))
	g.Expect(string(out)).To(ContainSubstring("--database-url (or $FLUXCONFIG_DATABASE_URL) and --data are mutually exclusive"))
}

// TestRun_PostgresStore serves from PostgreSQL, its URL taken from the environment: what it
// acknowledged is in the database after SIGTERM.
func TestRun_PostgresStore(t *testing.T) {
	g := NewWithT(t)
	url := testutil.PostgresDB(t)
	dir, tokens := runDir(t, g, map[string]string{"cluster-a": "cluster-a-token"})
	addr := freeAddr(g)
	t.Setenv(databaseURLEnv, url)
	p, err := testutil.StartProcess(os.Args[0], testutil.ProcessOptions{LogPath: filepath.Join(dir, "endpoint.log")},
		append(tokens.EndpointFlags(), "--listen="+addr)...)
	g.Expect(err).NotTo(HaveOccurred())
	defer func() { _ = p.Stop(time.Second) }()
	ctx := context.Background()
	g.Expect(testutil.WaitHTTP(ctx, "http://"+addr+"/healthz", 30*time.Second)).To(Succeed())

	c, err := client.New(client.Options{Endpoint: "http://" + addr, Token: adminToken})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = c.Cluster("cluster-a").Put(ctx, "app", testutil.GitConfiguration("main"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(p.Cmd.Process.Signal(syscall.SIGTERM)).To(Succeed())
	g.Eventually(p.Done(), 30*time.Second).Should(BeClosed())
	g.Expect(p.Err()).NotTo(HaveOccurred())

	store, err := endpoint.OpenPostgres(ctx, url)
	g.Expect(err).NotTo(HaveOccurred())
	defer store.Close()
	rec, err := store.Get(ctx, "cluster-a", "app")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rec.Properties.GitRepository.RepositoryRef.Branch).To(Equal("main"))
	// The process ran in this package's directory, where the default --data would be.
	_, err = os.Stat("fluxconfig-endpoint.db")
	g.Expect(os.IsNotExist(err)).To(BeTrue(), "no bbolt file is created beside PostgreSQL")
}

// TestRun_TwoReplicasSurviveKill9OfOne: two processes serve one database while PATCHes go
// to both; one is killed -9 in the middle. The other keeps serving, and every PATCH either
// replica acknowledged is in the result: none was lost, none waits on a lock the dead
// replica held.
func TestRun_TwoReplicasSurviveKill9OfOne(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	url := testutil.PostgresDB(t)
	dir, tokens := runDir(t, g, map[string]string{"cluster-a": "cluster-a-token"})
	t.Setenv(databaseURLEnv, url)
	var procs []*testutil.Process
	var admins []*client.Cluster
	for i := range 2 {
		addr := freeAddr(g)
		p, err := testutil.StartProcess(os.Args[0], testutil.ProcessOptions{LogPath: filepath.Join(dir, fmt.Sprintf("endpoint-%d.log", i))},
			append(tokens.EndpointFlags(), "--listen="+addr)...)
		g.Expect(err).NotTo(HaveOccurred())
		t.Cleanup(func() { _ = p.Stop(time.Second) })
		g.Expect(testutil.WaitHTTP(ctx, "http://"+addr+"/healthz", 30*time.Second)).To(Succeed())
		c, err := client.New(client.Options{Endpoint: "http://" + addr, Token: adminToken})
		g.Expect(err).NotTo(HaveOccurred())
		procs, admins = append(procs, p), append(admins, c.Cluster("cluster-a"))
	}
	_, err := admins[0].Put(ctx, "app", testutil.GitConfiguration("main"))
	g.Expect(err).NotTo(HaveOccurred())

	const workers, each = 4, 10
	var (
		mu      sync.Mutex
		acked   = map[string]bool{"apps": true}
		failedB []error
		failedA int
		wg      sync.WaitGroup
		kill    sync.Once
	)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				name := fmt.Sprintf("w%d-%d", w, i)
				_, err := admins[w%2].Patch(ctx, "app", map[string]any{"properties": map[string]any{
					"kustomizations": map[string]any{name: map[string]any{"path": "./" + name}}}})
				mu.Lock()
				switch {
				case err == nil:
					acked[name] = true
				case w%2 == 1:
					failedB = append(failedB, err)
				default:
					failedA++
				}
				n := len(acked)
				mu.Unlock()
				if n > workers*each/4 {
					kill.Do(func() { _ = procs[0].Cmd.Process.Kill() })
				}
			}
		})
	}
	wg.Wait()
	g.Eventually(procs[0].Done(), 10*time.Second).Should(BeClosed())
	g.Expect(failedA).To(BeNumerically(">", 0), "the replica was killed while PATCHes were still sent to it")
	g.Expect(failedB).To(BeEmpty(), "the surviving replica answered every PATCH")

	got, err := admins[1].Get(ctx, "app")
	g.Expect(err).NotTo(HaveOccurred())
	for name := range acked {
		g.Expect(got.Properties.Kustomizations).To(HaveKey(name), "an acknowledged PATCH is stored")
	}
	for name := range got.Properties.Kustomizations {
		// A PATCH to the killed replica may have committed without being answered.
		g.Expect(acked[name] || strings.HasPrefix(name, "w0-") || strings.HasPrefix(name, "w2-")).To(BeTrue(), name)
	}
}
