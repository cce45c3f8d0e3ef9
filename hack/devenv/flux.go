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
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// fluxNamespace is the namespace the Flux controllers believe they run in, as in a cluster
// where the chart installs them.
const fluxNamespace = "flux-system"

// fluxBins are the Flux controller binaries; `make flux-controllers` builds them.
type fluxBins struct {
	source, kustomize, helm string
}

func (b fluxBins) set() bool { return b.source != "" || b.kustomize != "" || b.helm != "" }

// fluxArgs are the arguments the chart (templates/flux.yaml) gives every controller, plus
// what running as a process on loopback needs: no leader election, and no metrics or health
// listeners. Nothing here reads them, and a port picked free and then bound by the process
// can be taken in between: with a fleet of clusters starting side by side, it was.
func fluxArgs() []string {
	return []string{
		"--watch-all-namespaces=true", "--log-level=info", "--log-encoding=console",
		"--enable-leader-election=false", "--metrics-addr=0", "--health-addr=0",
	}
}

// startFlux starts source-, kustomize- and, when given, helm-controller against the control
// plane, with the multi-tenancy lockdown the chart applies by default. It returns what it
// started, in start order, also on error, so the caller stops them.
func startFlux(b fluxBins, kubeconfig, stateDir string) ([]*process, error) {
	if b.source == "" || b.kustomize == "" {
		return nil, errors.New("--source-controller and --kustomize-controller go together, and --helm-controller needs both")
	}
	storage, err := filepath.Abs(filepath.Join(stateDir, "source-controller"))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(storage, 0o755); err != nil {
		return nil, err
	}
	storageAddr, err := testutil.FreeAddr()
	if err != nil {
		return nil, err
	}
	lockdown := []string{"--no-cross-namespace-refs=true", "--default-service-account=flux-applier"}
	// The chart's flux.<controller>.requeueDependency set to 5s rather than Flux's 30s, so
	// apps follow infra without a long pause.
	specs := []struct {
		name, bin string
		args      []string
	}{
		{"source-controller", b.source, []string{"--storage-path=" + storage,
			"--storage-addr=" + storageAddr, "--storage-adv-addr=" + storageAddr}},
		{"kustomize-controller", b.kustomize, append(lockdown, "--requeue-dependency=5s")},
		{"helm-controller", b.helm, append(lockdown, "--requeue-dependency=5s")},
	}
	if b.helm == "" {
		specs = specs[:2]
	}
	var started []*process
	for _, s := range specs {
		args := append(fluxArgs(), s.args...)
		p, err := startProcess(s.name, s.bin, kubeconfig, filepath.Join(stateDir, s.name+".log"),
			[]string{"RUNTIME_NAMESPACE=" + fluxNamespace, "TUF_ROOT=" + filepath.Join(storage, ".sigstore")}, args...)
		if err != nil {
			return started, err
		}
		started = append(started, p)
	}
	helm := " and helm-controller"
	if b.helm == "" {
		helm = ""
	}
	fmt.Printf("Started source-controller (artifacts on http://%s), kustomize-controller%s\n", storageAddr, helm)
	return started, nil
}
