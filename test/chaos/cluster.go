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
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// controlPlane is envtest's etcd and kube-apiserver, with the API server's certificates in a
// directory of ours: envtest then neither deletes nor regenerates them when the API server
// stops, so it restarts on the same port, with the same CA and the same etcd, and every
// process's kubeconfig stays valid.
type controlPlane struct {
	env        *testenv.Environment
	admin      client.Client
	kubeconfig string
	certDir    string
	// mu serialises restarts with Stop.
	mu sync.Mutex
	// reaper kills etcd and kube-apiserver (envtest starts them without a parent-death
	// signal) and unmounts the store if the suite dies without cleaning up.
	reaper   *testutil.Process
	pidFile  string
	unmounts []string
}

func startControlPlane(dir string) (*controlPlane, error) {
	dirs, err := testenv.CRDDirs()
	if err != nil {
		return nil, err
	}
	certDir, err := os.MkdirTemp("", "chaos-apiserver-")
	if err != nil {
		return nil, err
	}
	cp := &controlPlane{certDir: certDir, pidFile: filepath.Join(dir, "reaper.pids"), kubeconfig: filepath.Join(dir, "kubeconfig")}
	if err := cp.startReaper(dir); err != nil {
		return nil, err
	}
	apiLog, err := appendLog(filepath.Join(dir, "kube-apiserver.log"))
	if err != nil {
		return nil, err
	}
	etcdLog, err := appendLog(filepath.Join(dir, "etcd.log"))
	if err != nil {
		return nil, err
	}
	timeout := 3 * time.Minute
	env := &envtest.Environment{
		BinaryAssetsDirectory:    os.Getenv(testenv.AssetsEnv),
		CRDDirectoryPaths:        dirs,
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: timeout,
		// kube-apiserver waits a minute for open watches on SIGTERM; it is killed after five
		// seconds instead, as a short grace period would.
		ControlPlaneStopTimeout: 5 * time.Second,
		ControlPlane: envtest.ControlPlane{
			APIServer: &envtest.APIServer{CertDir: certDir, Out: apiLog, Err: apiLog},
			Etcd:      &envtest.Etcd{Out: etcdLog, Err: etcdLog},
		},
	}
	cfg, err := env.Start()
	cp.env = &testenv.Environment{Environment: env, Config: cfg}
	cp.recordPIDs()
	if err != nil {
		cp.stop()
		return nil, fmt.Errorf("starting kube-apiserver and etcd: %w", err)
	}
	data, err := cp.env.AdminKubeconfig("chaos")
	if err == nil {
		err = os.WriteFile(cp.kubeconfig, data, 0o600)
	}
	if err == nil {
		cp.admin, err = client.New(cfg, client.Options{Scheme: scheme.New()})
	}
	if err != nil {
		cp.stop()
		return nil, err
	}
	return cp, nil
}

// restartAPIServer stops kube-apiserver (SIGTERM, SIGKILL after the grace period, as a
// rolling restart does) and starts it again on the same port; it returns once /healthz
// answers.
func (cp *controlPlane) restartAPIServer() error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	api := cp.env.ControlPlane.APIServer
	// A stop that ended in SIGKILL returns an error; the process is gone all the same.
	_ = api.Stop()
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		// A killed process may hold the port a moment longer: the start then fails fast.
		if err = api.Start(); err == nil {
			break
		}
		time.Sleep(2 * time.Second)
	}
	cp.recordPIDs()
	if err != nil {
		return fmt.Errorf("restarting kube-apiserver: %w", err)
	}
	return nil
}

// stop ends the control plane, the reaper and any mount, and removes the certificates.
func (cp *controlPlane) stop() {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.env != nil && cp.env.Environment != nil {
		_ = cp.env.Environment.Stop()
	}
	for _, m := range cp.unmounts {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
	// Nothing is left for the reaper to kill: empty its list before it exits.
	_ = os.WriteFile(cp.pidFile, nil, 0o600)
	if cp.reaper != nil {
		_ = cp.reaper.Stop(10 * time.Second)
	}
	_ = os.RemoveAll(cp.certDir)
}

// startReaper runs a shell that, once this process dies (parent-death signal SIGTERM),
// kills the pids listed in pidFile, unmounts the mounts and removes the directories listed
// after them (the certificates and etcd's data).
func (cp *controlPlane) startReaper(dir string) error {
	if err := os.WriteFile(cp.pidFile, nil, 0o600); err != nil {
		return err
	}
	script := `trap 'while read -r kind arg; do case "$kind" in pid) kill -9 "$arg";; mount) umount -l "$arg";; dir) rm -rf "$arg";; esac; done < "$0" 2>/dev/null; exit 0' TERM
while :; do sleep 1; done`
	p, err := testutil.StartProcess("/bin/sh", testutil.ProcessOptions{DeathSignal: syscall.SIGTERM, LogPath: filepath.Join(dir, "reaper.log")},
		"-c", script, cp.pidFile)
	cp.reaper = p
	return err
}

// recordPIDs writes the pids of this process's etcd and kube-apiserver children, and the
// mounts, for the reaper.
func (cp *controlPlane) recordPIDs() {
	var b strings.Builder
	for _, pid := range childPIDs("etcd", "kube-apiserver") {
		fmt.Fprintf(&b, "pid %d\n", pid)
	}
	for _, m := range cp.unmounts {
		fmt.Fprintf(&b, "mount %s\n", m)
	}
	fmt.Fprintf(&b, "dir %s\n", cp.certDir)
	if cp.env != nil && cp.env.ControlPlane.Etcd != nil && cp.env.ControlPlane.Etcd.DataDir != "" {
		fmt.Fprintf(&b, "dir %s\n", cp.env.ControlPlane.Etcd.DataDir)
	}
	_ = os.WriteFile(cp.pidFile, []byte(b.String()), 0o600)
}

// addMount records a mount for the reaper and for stop.
func (cp *controlPlane) addMount(path string) {
	cp.mu.Lock()
	cp.unmounts = append(cp.unmounts, path)
	cp.mu.Unlock()
	cp.recordPIDs()
}

// childPIDs lists this process's children whose command is one of names.
func childPIDs(names ...string) []int {
	entries, _ := os.ReadDir("/proc")
	self := os.Getpid()
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(stat)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		if ppid != self {
			continue
		}
		for _, n := range names {
			if s[open+1:closing] == n {
				out = append(out, pid)
			}
		}
	}
	return out
}

// appendLog opens path for appending, so a restarted process adds to the same log.
func appendLog(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}
