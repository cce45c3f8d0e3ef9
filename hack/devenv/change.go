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
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/test/servers/gitserver"
)

// What `devenv change` edits: the greeting of the app's ConfigMap, synced by cluster-config.
const (
	changeFile      = "apps/settings.yaml"
	changeNamespace = "cluster-config"
	changeConfig    = "cluster-config"
)

// change commits a new greeting to the sample repository of the devenv running in stateDir,
// then shows it arriving: the FluxConfig's sourceSyncedCommitId moving to the commit, then
// the ConfigMap carrying the greeting.
func change(ctx context.Context, stateDir string) error {
	if lock, err := acquireLock(stateDir); err == nil {
		lock.Close()
		return errors.New("no devenv is running in " + stateDir + "; start one with `make run` or `make dev-up`")
	} else if !errors.As(err, &errRunning{}) {
		return err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(stateDir, "kubeconfig"))
	if err != nil {
		return err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(filepath.Join(stateDir, "sources", "git"))
	if err != nil {
		return err
	}
	greeting := "hello at " + time.Now().Format("15:04:05")
	content := fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-settings\n  namespace: demo\ndata:\n  greeting: %s\n", greeting)
	commit, err := gitserver.NewRepos(dir).Commit(sampleRepo, "Greet at "+time.Now().Format("15:04:05"), map[string]string{changeFile: content})
	if err != nil {
		return err
	}
	start := time.Now()
	fmt.Printf("Committed %s to %s.git: %s greeting: %q\n", short(commit), sampleRepo, changeFile, greeting)

	fc := &v1alpha1.FluxConfig{}
	if err := poll(ctx, func() bool {
		return c.Get(ctx, types.NamespacedName{Namespace: changeNamespace, Name: changeConfig}, fc) == nil &&
			strings.HasSuffix(fc.Status.SourceSyncedCommitID, commit)
	}); err != nil {
		return fmt.Errorf("%s/%s did not sync %s: %w", changeNamespace, changeConfig, short(commit), err)
	}
	fmt.Printf("  %4.1fs  %s/%s sourceSyncedCommitId: %s\n", time.Since(start).Seconds(), changeNamespace, changeConfig, fc.Status.SourceSyncedCommitID)

	cm := &corev1.ConfigMap{}
	if err := poll(ctx, func() bool {
		return c.Get(ctx, types.NamespacedName{Namespace: "demo", Name: "app-settings"}, cm) == nil && cm.Data["greeting"] == greeting
	}); err != nil {
		return fmt.Errorf("ConfigMap demo/app-settings did not get the new greeting: %w", err)
	}
	fmt.Printf("  %4.1fs  ConfigMap demo/app-settings greeting: %q\n", time.Since(start).Seconds(), cm.Data["greeting"])
	if err := poll(ctx, func() bool {
		return c.Get(ctx, types.NamespacedName{Namespace: changeNamespace, Name: changeConfig}, fc) == nil &&
			fc.Status.ComplianceState == v1alpha1.Compliant && strings.HasSuffix(fc.Status.SourceSyncedCommitID, commit)
	}); err != nil {
		return err
	}
	fmt.Printf("  %4.1fs  %s/%s %s\n", time.Since(start).Seconds(), changeNamespace, changeConfig, fc.Status.ComplianceState)
	return nil
}

// poll calls done every half second until it returns true, for at most two minutes.
func poll(ctx context.Context, done func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for !done() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return nil
}
