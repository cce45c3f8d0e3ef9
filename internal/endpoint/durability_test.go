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
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// childDirEnv makes the test binary serve the endpoint as a child process instead of running
// tests, so the parent can kill -9 a real server process.
const childDirEnv = "FLUXCONFIG_ENDPOINT_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		serveChild(dir)
		return
	}
	code := m.Run()
	testutil.StopPostgres()
	os.Exit(code)
}

// serveChild serves the store in dir on a free 127.0.0.1 port and writes the address to
// dir/addr once it listens. It never returns on its own.
func serveChild(dir string) {
	store, err := endpoint.OpenBolt(filepath.Join(dir, "store.db"))
	if err != nil {
		os.Exit(3)
	}
	srv := &endpoint.Server{
		Store:  store,
		Tokens: &endpoint.Tokens{AdminFile: filepath.Join(dir, "admin"), ClusterDir: filepath.Join(dir, "clusters")},
		Now:    time.Now,
		Log:    logr.Discard(),
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.Exit(4)
	}
	if err := os.WriteFile(filepath.Join(dir, "addr.tmp"), []byte(l.Addr().String()), 0o600); err != nil {
		os.Exit(5)
	}
	_ = os.Rename(filepath.Join(dir, "addr.tmp"), filepath.Join(dir, "addr"))
	_ = http.Serve(l, srv.Handler())
}

func startChild(t *testing.T, g *WithT, dir string) (*exec.Cmd, string) {
	t.Helper()
	_ = os.Remove(filepath.Join(dir, "addr"))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir)
	g.Expect(cmd.Start()).To(Succeed())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var addr []byte
	g.Eventually(func() error {
		var err error
		addr, err = os.ReadFile(filepath.Join(dir, "addr"))
		return err
	}, 30*time.Second, 20*time.Millisecond).Should(Succeed())
	return cmd, "http://" + string(addr)
}

func TestServer_AcknowledgedPutSurvivesKill9(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	g.Expect(os.MkdirAll(filepath.Join(dir, "clusters"), 0o700)).To(Succeed())
	writeToken(t, filepath.Join(dir, "admin"), adminToken)
	writeToken(t, filepath.Join(dir, "clusters", "cluster-a"), tokenA)

	cmd, url := startChild(t, g, dir)
	h := &harness{t: t}
	code, body := h.doURL("PUT", url+"/v1/clusters/cluster-a/fluxConfigurations/app", adminToken, gitConfig())
	g.Expect(code).To(Equal(http.StatusCreated), string(body))

	// SIGKILL right after the acknowledgement: no shutdown path runs.
	g.Expect(cmd.Process.Signal(syscall.SIGKILL)).To(Succeed())
	_ = cmd.Wait()

	_, url = startChild(t, g, dir)
	code, body = h.doURL("GET", url+"/v1/clusters/cluster-a/fluxConfigurations/app", adminToken, nil)
	g.Expect(code).To(Equal(http.StatusOK), string(body))
	g.Expect(string(body)).To(ContainSubstring(`"provisioningState":"Creating"`))
	g.Expect(string(body)).To(ContainSubstring(`"url":"https://git.example.com/org/repo"`))
}
