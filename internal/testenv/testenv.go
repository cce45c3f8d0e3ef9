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

// Package testenv starts a real kube-apiserver and etcd (envtest) with the FluxConfig and
// Flux CRDs installed. `make test` and `make run` build the binaries from the Go module proxy
// and collect the Flux CRDs, then pass their locations in the environment variables below.
package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

const (
	// AssetsEnv names the directory holding the etcd and kube-apiserver binaries.
	AssetsEnv = "KUBEBUILDER_ASSETS"
	// FluxCRDsEnv names the directory holding the Flux CRDs.
	FluxCRDsEnv = "FLUXCONFIG_FLUX_CRDS"
)

// RepoRoot returns the root of the source tree this package was compiled from.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// CRDDirs returns the directories of the FluxConfig CRD and of the Flux CRDs.
func CRDDirs() ([]string, error) {
	assets, flux := os.Getenv(AssetsEnv), os.Getenv(FluxCRDsEnv)
	if assets == "" || flux == "" {
		return nil, fmt.Errorf("%s and %s must be set: run through `make test` (or `make run`), which builds "+
			"kube-apiserver and etcd and collects the Flux CRDs; `make test-env` prints both", AssetsEnv, FluxCRDsEnv)
	}
	return []string{filepath.Join(RepoRoot(), "config", "crd", "bases"), flux}, nil
}

// Environment is a running control plane with the CRDs installed.
type Environment struct {
	*envtest.Environment
	// Config is an admin client configuration for the API server.
	Config *rest.Config
}

// Start launches etcd and kube-apiserver and installs the CRDs.
func Start() (*Environment, error) {
	dirs, err := CRDDirs()
	if err != nil {
		return nil, err
	}
	return start(dirs)
}

// StartWithFluxCRDs is Start with only the named files of the Flux CRD directory (e.g.
// source.toolkit.fluxcd.io_gitrepositories.yaml): a cluster where only part of Flux is
// installed.
func StartWithFluxCRDs(files ...string) (*Environment, error) {
	dirs, err := CRDDirs()
	if err != nil {
		return nil, err
	}
	paths := []string{dirs[0]}
	for _, f := range files {
		paths = append(paths, FluxCRDPath(f))
	}
	return start(paths)
}

// FluxCRDPath is the path of one file of the Flux CRD directory.
func FluxCRDPath(file string) string { return filepath.Join(os.Getenv(FluxCRDsEnv), file) }

func start(crdPaths []string) (*Environment, error) {
	env := &envtest.Environment{
		BinaryAssetsDirectory: os.Getenv(AssetsEnv),
		CRDDirectoryPaths:     crdPaths,
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		// Start leaves the processes running when a later step (installing CRDs) fails.
		_ = env.Stop()
		return nil, fmt.Errorf("starting kube-apiserver and etcd from %s: %w", env.BinaryAssetsDirectory, err)
	}
	return &Environment{Environment: env, Config: cfg}, nil
}

// Stop shuts the control plane down and removes its data.
func (e *Environment) Stop() error {
	if e == nil || e.Environment == nil {
		return errors.New("environment was not started")
	}
	return e.Environment.Stop()
}

// AdminKubeconfig returns a kubeconfig for a cluster-admin user, for kubectl and for
// processes started outside the test binary.
func (e *Environment) AdminKubeconfig(user string) ([]byte, error) {
	u, err := e.AddUser(envtest.User{Name: user, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, fmt.Errorf("adding user %s: %w", user, err)
	}
	return u.KubeConfig()
}
