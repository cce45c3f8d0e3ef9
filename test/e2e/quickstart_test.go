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
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// runQuickstart runs docs/quickstart.sh, what the README shows a platform team doing with the
// fluxconfig CLI, against the suite's endpoint, agent, controller and Flux controllers, and
// checks what it applied and pruned. It shares the stack of the GitOps scenarios: a second
// stack in the same control plane would find their objects, with their sources gone.
func runQuickstart(ctx context.Context, st *fluxStack) {
	sha, err := st.repos.Commit("quickstart", "quickstart content", map[string]string{
		"infra/namespace.yaml": namespaceYAML("quickstart-apps"),
		"infra/settings.yaml":  configMapYAML("quickstart-apps", "qs-infra", "1"),
		"apps/settings.yaml":   configMapYAML("quickstart-apps", "qs-app", "1"),
		"extra/settings.yaml":  configMapYAML("quickstart-apps", "qs-extra", "1"),
	})
	Expect(err).NotTo(HaveOccurred())
	dir := GinkgoT().TempDir()
	keyFile, caFile, tokenFile := filepath.Join(dir, "git-password"), filepath.Join(dir, "git-ca.pem"), filepath.Join(dir, "admin-token")
	Expect(os.WriteFile(keyFile, []byte(gitPassword+"\n"), 0o600)).To(Succeed())
	Expect(os.WriteFile(caFile, st.caPEM, 0o600)).To(Succeed())
	Expect(os.WriteFile(tokenFile, []byte(adminToken+"\n"), 0o600)).To(Succeed())
	created := watchCreations(ctx, "quickstart-apps")

	script := exec.CommandContext(ctx, "bash", filepath.Join("..", "..", "docs", "quickstart.sh"))
	script.Env = append(os.Environ(), "HOME="+dir,
		"FLUXCONFIG="+filepath.Join(binDir, "fluxconfig"), "FLUXCONFIG_ENDPOINT="+st.endpoint,
		"FLUXCONFIG_TOKEN_FILE="+tokenFile, "FLUXCONFIG_CLUSTER="+fluxCluster,
		"QUICKSTART_URL="+st.httpsURL+"/quickstart.git", "QUICKSTART_HTTPS_USER="+gitUser,
		"QUICKSTART_HTTPS_KEY_FILE="+keyFile, "QUICKSTART_HTTPS_CA_FILE="+caFile, "QUICKSTART_TIMEOUT=3m")
	var stdout, stderr bytes.Buffer
	script.Stdout, script.Stderr = &stdout, &stderr
	start := time.Now()
	err = script.Run()
	GinkgoWriter.Printf("quickstart.sh stdout:\n%s\nstderr:\n%s\n", stdout.String(), stderr.String())
	Expect(err).NotTo(HaveOccurred())
	record("docs/quickstart.sh: create to deleted in %s", time.Since(start).Round(100*time.Millisecond))

	Expect(stderr.String()).To(BeEmpty(), "no warning: every secret went in by file")
	Expect(stdout.String() + stderr.String()).NotTo(ContainSubstring(gitPassword))
	Expect(stdout.String()).To(MatchRegexp(`Compliance:\s+Suspended`))
	Expect(stdout.String()).To(MatchRegexp(`Synced commit:\s+main@sha1:` + sha))
	Expect(stdout.String()).To(MatchRegexp(`Kustomization\s+quickstart\s+quickstart-infra\s+Compliant`))
	Expect(stdout.String()).To(ContainSubstring("Configuration quickstart is deleted."))

	// infra before apps; extra applied when added; each pruned when removed.
	Expect(created()).To(Equal([]string{"qs-infra", "qs-app", "qs-extra"}))
	for _, name := range []string{"qs-infra", "qs-app", "qs-extra"} {
		Eventually(configMapVersion(ctx, "quickstart-apps", name)).WithTimeout(time.Minute).Should(Equal("absent"), name)
	}
	Expect(st.gone("quickstart")()).To(BeTrue())
}
