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
	"net"
	"net/http"
	"path/filepath"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// freeAddr returns a 127.0.0.1 address with a port that was free a moment ago.
func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer l.Close()
	return l.Addr().String()
}

var _ = Describe("fluxconfig-controller process", func() {
	It("becomes ready, takes the leader lease and stops cleanly on SIGTERM", func(ctx SpecContext) {
		ns := "fluxconfig-system"
		Expect(testenv.EnsureNamespace(ctx, k8sClient, ns)).To(Succeed())
		healthAddr := freeAddr()

		cmd, exited := startBinaryPath(accounts["fluxconfig-controller"], filepath.Join(binDir, "fluxconfig-controller"),
			"--metrics-bind-address=0",
			"--health-probe-bind-address="+healthAddr,
			"--leader-elect",
			"--leader-election-namespace="+ns)

		Eventually(func() (int, error) {
			code, _, err := readyz(healthAddr)
			return code, err
		}).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(http.StatusOK))

		lease := &coordinationv1.Lease{}
		Eventually(func() (string, error) {
			err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "fluxconfig-controller.clusterconfig.azure.com"}, lease)
			if err != nil || lease.Spec.HolderIdentity == nil {
				return "", err
			}
			return *lease.Spec.HolderIdentity, nil
		}).WithTimeout(60 * time.Second).ShouldNot(BeEmpty())

		Expect(cmd.Process.Signal(syscall.SIGTERM)).To(Succeed())
		Eventually(exited).WithTimeout(15 * time.Second).Should(Receive(BeNil()))
	}, SpecTimeout(2*time.Minute))
})
