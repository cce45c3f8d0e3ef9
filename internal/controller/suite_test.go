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

package controller

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/fluxconfig/fluxconfig/internal/render"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/tenancy"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

const (
	// releaseNamespace plays the namespace the controller was installed into.
	releaseNamespace = "fluxconfig-system"
	// protectedTestNamespace is protected by the running controller, for the tests of a
	// config applied before its namespace became protected.
	protectedTestNamespace = "ctrl-protected"
)

var (
	testEnv *testenv.Environment
	// k8sClient plays the user and Flux: uncached, admin.
	k8sClient client.Client
	// reconciler is the one the running manager uses.
	reconciler *FluxConfigReconciler
	// writes records the mutating requests the controller sent.
	writes writeLog
	// logs captures everything the controller logged, to scan for planted secrets.
	logs lockedBuffer
	// recorder captures events; eventLog keeps their text.
	recorder = &eventRecorder{text: &eventLog}
	eventLog lockedBuffer
)

type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

type countingTransport struct{ next http.RoundTripper }

func (c countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		writes.add(req.Method + " " + req.URL.Path)
	}
	return c.next.RoundTrip(req)
}

// writeLog keeps every write so a test can count the ones about its own namespace: the
// manager keeps cleaning up after earlier tests while a later one measures.
type writeLog struct {
	mu    sync.Mutex
	lines []string
}

func (w *writeLog) add(line string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines = append(w.lines, line)
}

// mark returns a position to pass to in.
func (w *writeLog) mark() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.lines)
}

// settled waits until the manager has sent no write about namespace ns for half a
// second, so a test's own reconcile is measured alone: a reconcile the manager began on a
// cache a write behind may still write what the last one wrote.
func (w *writeLog) settled(t *testing.T, ns string) {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); {
		mark := w.mark()
		time.Sleep(500 * time.Millisecond)
		if len(w.in(mark, ns)) == 0 {
			return
		}
	}
	t.Fatalf("the manager still writes to namespace %s after %s", ns, timeout)
}

// in returns the writes since mark to objects of namespace ns, or named after it
// (the namespace's ClusterRoleBinding).
func (w *writeLog) in(mark int, ns string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, line := range w.lines[mark:] {
		if strings.Contains(line, "/namespaces/"+ns+"/") || strings.HasSuffix(line, "/"+render.ClusterRoleBindingName(ns)) {
			out = append(out, line)
		}
	}
	return out
}

func TestMain(m *testing.M) {
	// Before anything logs: controller-runtime discards every log for good once its logger
	// has been used unset for 30 s, which a slow envtest start on a loaded machine reaches.
	ctrl.SetLogger(zap.New(zap.WriteTo(&logs), zap.UseDevMode(true)))
	testenv.Main(m, startController)
}

// startController starts the manager with the reconciler under test against env.
func startController(env *testenv.Environment) (stop func(), err error) {
	testEnv = env
	k8sClient, err = client.New(env.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		return nil, err
	}

	cfg := rest.CopyConfig(env.Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return countingTransport{next: rt} })
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  scheme.New(),
		Cache:   CacheOptions(),
		Metrics: metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		return nil, err
	}
	reconciler = &FluxConfigReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: mgr.GetScheme(),
		Recorder: recorder, MultiTenancy: true, KnownHosts: render.BuiltInKnownHosts,
		ResyncInterval: time.Hour,
		Protected:      tenancy.ForWatch(append(slices.Clone(tenancy.DefaultProtectedNamespaces), protectedTestNamespace), releaseNamespace, ""),
	}
	if err := reconciler.SetupWithManager(mgr, 2); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	return cancel, nil
}
