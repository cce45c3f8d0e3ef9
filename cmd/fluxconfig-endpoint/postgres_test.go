/*
Copyright 2026 The fluxconfig Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

func appConfig(branch string) *dpv1.FluxConfiguration {
	return &dpv1.FluxConfiguration{Properties: dpv1.FluxConfigurationProperties{
		Namespace: "team-a", SourceKind: "GitRepository",
		GitRepository: &dpv1.GitRepositoryDefinition{URL: "https://git.example.com/org/repo",
			RepositoryRef: &dpv1.RepositoryRefDefinition{Branch: branch}},
		Kustomizations: map[string]*dpv1.KustomizationDefinition{"apps": {Path: "./apps"}},
	}}
}

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
	dir := t.TempDir()
	const admin = "admin-token"
	tokens, err := testutil.WriteTokenDir(dir, admin, map[string]string{"cluster-a": "cluster-a-token"})
	g.Expect(err).NotTo(HaveOccurred())
	addr, err := testutil.FreeAddr()
	g.Expect(err).NotTo(HaveOccurred())
	t.Setenv(runMainEnv, "1")
	t.Setenv(databaseURLEnv, url)
	p, err := testutil.StartProcess(os.Args[0], testutil.ProcessOptions{LogPath: filepath.Join(dir, "endpoint.log")},
		append(tokens.EndpointFlags(), "--listen="+addr)...)
	g.Expect(err).NotTo(HaveOccurred())
	defer func() { _ = p.Stop(time.Second) }()
	ctx := context.Background()
	g.Expect(testutil.WaitHTTP(ctx, "http://"+addr+"/healthz", 30*time.Second)).To(Succeed())

	c, err := client.New(client.Options{Endpoint: "http://" + addr, Token: admin})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = c.Cluster("cluster-a").Put(ctx, "app", appConfig("main"))
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
