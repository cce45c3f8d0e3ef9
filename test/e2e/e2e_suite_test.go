//go:build e2e

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

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// The suite runs the built binaries as separate processes against a real control plane.
var (
	env        *testenv.Environment
	k8sClient  client.Client
	kubeconfig string
	binDir     string
	// accounts maps each of our processes' chart ServiceAccounts to a kubeconfig acting as it.
	accounts map[string]string
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fluxconfig e2e")
}

var _ = BeforeSuite(func() {
	binDir = os.Getenv("FLUXCONFIG_BIN_DIR")
	Expect(binDir).NotTo(BeEmpty(), "FLUXCONFIG_BIN_DIR must name the directory of the built binaries; run `make test-e2e`")

	var err error
	env, err = testenv.Start()
	Expect(err).NotTo(HaveOccurred())
	k8sClient, err = client.New(env.Config, client.Options{Scheme: scheme.New()})
	Expect(err).NotTo(HaveOccurred())

	data, err := env.AdminKubeconfig("e2e")
	Expect(err).NotTo(HaveOccurred())
	kubeconfig = filepath.Join(GinkgoT().TempDir(), "kubeconfig")
	Expect(os.WriteFile(kubeconfig, data, 0o600)).To(Succeed())
	accounts = asChartAccounts(context.Background(), k8sClient, data, GinkgoT().TempDir())
})

var _ = AfterSuite(func() {
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})
