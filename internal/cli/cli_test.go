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

package cli_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/cli"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

const (
	patFromFile  = "pat-from-file-5ecret"
	patFromStdin = "pat-from-stdin-5ecret"
	patOnArgv    = "pat-on-argv-5ecret"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func decodeJSON[T any](g Gomega, s string) T {
	var v T
	g.Expect(json.Unmarshal([]byte(s), &v)).To(Succeed(), s)
	return v
}

// TestCLI_Lifecycle drives one configuration through every verb against the real
// endpoint, checking what the agent receives and that no secret is ever printed.
func TestCLI_Lifecycle(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	noSecrets := func(r result) {
		t.Helper()
		for _, s := range []string{patFromFile, patFromStdin, patOnArgv, b64(patFromFile), b64(patFromStdin)} {
			g.Expect(r.stdout + r.stderr).NotTo(ContainSubstring(s))
		}
	}

	// create, with the HTTPS key from a file and az's --kustomization syntax.
	r := h.ok("", "create", "-n", "app", "--namespace", "team-a", "--scope", "cluster", "-u", "https://git.example.com/org/fleet",
		"--branch", "main", "--https-user", "git", "--https-key", "@"+writeFile(t, "pat", patFromFile+"\n"), "--interval", "2m",
		"--kustomization", "name=infra", "path=./infra", "prune=true", "retry_interval=30s",
		"-k", "name=apps", "path=./apps", "depends_on=infra", "disable_health_check=true")
	noSecrets(r)
	g.Expect(r.stderr).To(BeEmpty())
	g.Expect(r.stdout).To(MatchRegexp(`Name:\s+app`))
	g.Expect(r.stdout).To(MatchRegexp(`Kustomizations:\s+apps, infra`))
	item := h.desired("app")
	g.Expect(item.ConfigurationProtectedSettings).To(HaveKeyWithValue("httpsKey", b64(patFromFile)), "the file's newline is not part of the key")
	g.Expect(item.Properties.GitRepository.SyncIntervalInSeconds).To(HaveValue(BeEquivalentTo(120)))
	g.Expect(item.Properties.Kustomizations["infra"].RetryIntervalInSeconds).To(HaveValue(BeEquivalentTo(30)))
	g.Expect(item.Properties.Kustomizations["apps"].DependsOn).To(Equal([]string{"infra"}))
	g.Expect(item.Properties.Kustomizations["apps"].Wait).To(HaveValue(BeFalse()))

	// A second create of the same name is refused and changes nothing.
	r = h.run("", "create", "-n", "app", "-u", "https://git.example.com/other")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("already exists"))
	g.Expect(h.desired("app").Properties.GitRepository.URL).To(Equal("https://git.example.com/org/fleet"))

	// show and list decode as JSON and YAML.
	cfg := decodeJSON[dpv1.FluxConfiguration](g, h.ok("", "show", "-n", "app", "-o", "json").stdout)
	g.Expect(cfg.Properties.GitRepository.RepositoryRef.Branch).To(Equal("main"))
	g.Expect(cfg.Properties.ConfigurationProtectedSettings).To(BeEmpty())
	var listed []dpv1.FluxConfiguration
	g.Expect(yaml.UnmarshalStrict([]byte(h.ok("", "list", "-o", "yaml").stdout), &listed)).To(Succeed())
	g.Expect(listed).To(HaveLen(1))
	g.Expect(listed[0].Name).To(Equal("app"))
	g.Expect(h.ok("", "list").stdout).To(MatchRegexp(`(?m)^app\s+team-a\s+cluster\s+git\s+https://git.example.com/org/fleet\s+Creating`))

	// kustomization create, list, show, update, delete.
	h.ok("", "kustomization", "create", "-n", "app", "-k", "extra", "--path", "./extra", "--prune", "--depends-on", "infra,apps")
	ks := decodeJSON[map[string]dpv1.KustomizationDefinition](g, h.ok("", "kustomization", "list", "-n", "app", "-o", "json").stdout)
	g.Expect(ks).To(HaveKey("extra"))
	g.Expect(ks["extra"].DependsOn).To(Equal([]string{"infra", "apps"}))
	r = h.run("", "kustomization", "create", "-n", "app", "-k", "extra", "--path", "./other")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("already exists"))
	h.ok("", "kustomization", "update", "-n", "app", "-k", "extra", "--interval", "1m")
	k := decodeJSON[dpv1.KustomizationDefinition](g, h.ok("", "kustomization", "show", "-n", "app", "-k", "extra", "-o", "json").stdout)
	g.Expect(k.Path).To(Equal("./extra"), "update keeps the fields not given")
	g.Expect(k.SyncIntervalInSeconds).To(HaveValue(BeEquivalentTo(60)))
	r = h.run("", "kustomization", "delete", "-n", "app", "-k", "extra")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("--yes"))
	h.ok("", "kustomization", "delete", "-n", "app", "-k", "extra", "--yes")
	g.Expect(h.desired("app").Properties.Kustomizations).To(HaveLen(2))
	r = h.run("", "kustomization", "delete", "-n", "app", "-k", "infra", "--yes")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("apps depend on infra"))
	g.Expect(h.desired("app").Properties.Kustomizations).To(HaveLen(2))
	h.ok("", "kustomization", "update", "-n", "app", "-k", "apps", "--depends-on", "")
	h.ok("", "kustomization", "delete", "-n", "app", "-k", "infra", "--yes")
	g.Expect(h.desired("app").Properties.Kustomizations).To(HaveLen(1))

	// update: suspend, a new reference replacing the old one, a new key from stdin.
	r = h.ok(patFromStdin+"\n", "update", "-n", "app", "--suspend", "--tag", "v1.2.0", "--https-key", "-")
	noSecrets(r)
	item = h.desired("app")
	g.Expect(item.Properties.Suspend).To(HaveValue(BeTrue()))
	g.Expect(*item.Properties.GitRepository.RepositoryRef).To(Equal(dpv1.RepositoryRefDefinition{Tag: "v1.2.0"}))
	g.Expect(item.ConfigurationProtectedSettings).To(HaveKeyWithValue("httpsKey", b64(patFromStdin)))
	g.Expect(item.Properties.GitRepository.HTTPSUser).To(Equal("git"), "fields not given are kept")
	r = h.run("", "update", "-n", "app")
	g.Expect(r.code).To(Equal(cli.ExitUsage))
	g.Expect(r.stderr).To(ContainSubstring("nothing to update"))

	// deployed-object list and show, from the agent's report.
	h.report("app", dpv1.ObservedStatus{ComplianceState: "Compliant", SourceSyncedCommitID: "v1.2.0@sha1:abc",
		Statuses: []dpv1.ObjectStatusDefinition{
			{Kind: "GitRepository", Namespace: "team-a", Name: "app", ComplianceState: "Compliant",
				StatusConditions: []dpv1.ObjectStatusConditionDefinition{{Type: "Ready", Status: "True", Reason: "Succeeded", Message: "stored artifact"}}},
			// The CLI shows a hint as reported, whatever the state.
			{Kind: "Kustomization", Namespace: "team-a", Name: "app-apps", ComplianceState: "Compliant", Hint: "set sideEffects"},
		}})
	objs := decodeJSON[[]dpv1.ObjectStatusDefinition](g, h.ok("", "deployed-object", "list", "-n", "app", "-o", "json").stdout)
	g.Expect(objs).To(HaveLen(2))
	g.Expect(h.ok("", "deployed-object", "list", "-n", "app").stdout).To(MatchRegexp(`GitRepository\s+team-a\s+app\s+Compliant\s+-\s+stored artifact`))
	r = h.ok("", "deployed-object", "show", "-n", "app", "--object-name", "app", "--object-namespace", "team-a", "--object-kind", "GitRepository")
	g.Expect(r.stdout).To(MatchRegexp(`Condition Ready:\s+True Succeeded: stored artifact`))
	g.Expect(r.stdout).NotTo(ContainSubstring("Hint:"))
	r = h.ok("", "deployed-object", "show", "-n", "app", "--object-name", "app-apps", "--object-namespace", "team-a", "--object-kind", "Kustomization")
	g.Expect(r.stdout).To(MatchRegexp(`Hint:\s+set sideEffects`), "the hint survives the report and the endpoint")
	r = h.run("", "deployed-object", "show", "-n", "app", "--object-name", "nope", "--object-namespace", "team-a", "--object-kind", "HelmRelease")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("reports no HelmRelease team-a/nope"))
	g.Expect(h.ok("", "wait", "-n", "app", "--for", "compliant", "--timeout", "10s").stdout).To(MatchRegexp(`Compliance:\s+Compliant`))
	r = h.run("", "wait", "-n", "app", "--for", "suspended", "--timeout", "1s", "--poll-interval", "100ms")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("timed out waiting for configuration app to be suspended: provisioning Succeeded, compliance Compliant, objects 2 (2 Compliant)"))

	// delete: refused without --yes off a terminal, then started, then forced.
	r = h.run("", "delete", "-n", "app")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("Pass --yes"))
	g.Expect(h.ok("", "delete", "-n", "app", "--yes").stdout).To(ContainSubstring("Deleting configuration app"))
	g.Expect(h.desired("app").Deleting).To(BeTrue())
	g.Expect(h.ok("", "delete", "-n", "app", "--yes", "--force").stdout).To(ContainSubstring("Configuration app deleted."))
	h.ok("", "wait", "-n", "app", "--for", "deleted", "--timeout", "10s")
	r = h.run("", "show", "-n", "app")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("answered 404 Not Found"))
	g.Expect(r.stderr).To(ContainSubstring("'fluxconfig list' shows the configurations"))
}

// TestCLI_SecretOnArgv: a secret on the command line is accepted, with a warning that
// does not repeat it.
func TestCLI_SecretOnArgv(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	r := h.ok("", "create", "-n", "argv", "-u", "https://git.example.com/org/fleet", "--branch", "main",
		"--https-user", "git", "--https-key", patOnArgv)
	g.Expect(r.stderr).To(ContainSubstring("Warning: the value of --https-key on the command line is visible"))
	g.Expect(r.stdout + r.stderr).NotTo(ContainSubstring(patOnArgv))
	g.Expect(h.desired("argv").ConfigurationProtectedSettings).To(HaveKeyWithValue("httpsKey", b64(patOnArgv)))

	// --protected-parameters on argv warns too; from a file it does not.
	r = h.ok("", "update", "-n", "argv", "--protected-parameters", "username=bot", "--protected-parameters",
		"password=@"+writeFile(t, "password", "pw-5ecret\n"))
	g.Expect(r.stderr).To(ContainSubstring("--protected-parameters username"))
	g.Expect(strings.Count(r.stderr, "Warning")).To(Equal(1))
	r = h.run("", "update", "-n", "argv", "--protected-parameters", "s3cr3t")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("a value has no KEY="))
	g.Expect(r.stderr).NotTo(ContainSubstring("s3cr3t"))
	protected := h.desired("argv").ConfigurationProtectedSettings
	g.Expect(protected).To(HaveKeyWithValue("username", b64("bot")))
	g.Expect(protected).To(HaveKeyWithValue("password", b64("pw-5ecret")), "a one-line file loses its newline")
}

// TestCLI_SourceKinds: each kind's flags reach the endpoint as its body and protected
// settings; stdin and files carry the secrets, and a flag of another kind is refused.
func TestCLI_SourceKinds(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	h.ok("s3-secret\n", "create", "-n", "bucket", "--kind", "bucket", "-u", "http://127.0.0.1:9000", "--bucket-name", "manifests",
		"--bucket-access-key", "AKID", "--bucket-secret-key", "-", "--bucket-insecure", "--timeout", "1m")
	item := h.desired("bucket")
	g.Expect(item.Properties.SourceKind).To(Equal("Bucket"))
	g.Expect(item.Properties.Bucket.AccessKey).To(Equal("AKID"))
	g.Expect(item.Properties.Bucket.Insecure).To(HaveValue(BeTrue()))
	g.Expect(item.ConfigurationProtectedSettings).To(HaveKeyWithValue("bucketSecretKey", b64("s3-secret")))
	g.Expect(item.Properties.Kustomizations).To(HaveKey("kustomization-1"), "az's default kustomization")

	key := "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n"
	r := h.ok("", "create", "-n", "generated", "-u", "ssh://git@127.0.0.1:2222/org/fleet", "--branch", "main")
	g.Expect(r.stdout).To(ContainSubstring("prints the public key to register as a deploy key"))
	r = h.ok("", "create", "-n", "ssh", "-u", "ssh://git@127.0.0.1:2222/org/fleet", "--branch", "main",
		"--ssh-private-key-file", writeFile(t, "id", key), "--known-hosts-file", writeFile(t, "kh", "127.0.0.1 ssh-ed25519 AAAA\n"))
	g.Expect(r.stdout).NotTo(ContainSubstring("deploy key"))
	item = h.desired("ssh")
	g.Expect(item.ConfigurationProtectedSettings).To(HaveKeyWithValue("sshPrivateKey", b64(key)), "a key keeps its final newline")
	g.Expect(item.Properties.GitRepository.SSHKnownHosts).To(Equal(b64("127.0.0.1 ssh-ed25519 AAAA\n")))

	item = h.desired("bucket")
	g.Expect(h.agent.ReportStatus(context.Background(), "bucket", &dpv1.StatusReport{OperationID: item.OperationID,
		ProvisioningState: dpv1.ProvisioningFailed, ErrorMessage: "namespace team-b is protected"})).To(Succeed())
	r = h.run("", "wait", "-n", "bucket", "--for", "provisioned", "--timeout", "10s")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("configuration bucket failed: namespace team-b is protected"))

	h.ok("-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n", "create", "-n", "oci", "--kind", "oci",
		"-u", "oci://127.0.0.1:5000/manifests", "--semver", ">=1.0.0", "--tls-ca-certificate", "-",
		"--verification-provider", "cosign", "--verification-config", "cosign.pub=@"+writeFile(t, "cosign.pub", "PUBLIC KEY\n"),
		"--match-oidc-identity", `{"issuer": "^https://token.actions.githubusercontent.com$", "subject": "^https://github.com/org/.*$"}`)
	item = h.desired("oci")
	g.Expect(item.Properties.OCIRepository.RepositoryRef.Semver).To(Equal(">=1.0.0"))
	g.Expect(item.Properties.OCIRepository.Verify.VerificationConfig).To(HaveKeyWithValue("cosign.pub", b64("PUBLIC KEY\n")))
	g.Expect(item.Properties.OCIRepository.Verify.MatchOIDCIdentity).To(HaveLen(1))
	g.Expect(item.ConfigurationProtectedSettings).To(HaveKeyWithValue("tlsCaCertificate", b64("-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n")))

	r = h.run("", "create", "-n", "mixed", "-u", "https://git.example.com/x", "--bucket-name", "b")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("--bucket-name (for bucket)"))
	r = h.run("a\n", "create", "-n", "twice", "-u", "https://git.example.com/x", "--https-user", "u", "--https-key", "-",
		"--protected-parameters", "other=-")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("stdin is already read by --https-key"))

	// Switching the kind replaces the source body.
	h.ok("", "update", "-n", "oci", "--kind", "git", "-u", "https://git.example.com/org/fleet", "--branch", "main")
	item = h.desired("oci")
	g.Expect(item.Properties.SourceKind).To(Equal("GitRepository"))
	g.Expect(item.Properties.OCIRepository).To(BeNil())
}

// TestCLI_EndpointErrors: the endpoint's refusals name the field and say what to do.
func TestCLI_EndpointErrors(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	r := h.run("", "create", "-n", "bad", "-u", "ftp://git.example.com/x", "--branch", "main")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("Field:   properties.gitRepository.url"))
	g.Expect(r.stderr).To(ContainSubstring("answered 400 Bad Request"))
	g.Expect(r.stderr).To(ContainSubstring("correct properties.gitRepository.url (--url) and run the command again; nothing was changed"))

	h.env[cli.EnvTokenFile] = h.endpoint.Tokens.AgentTokenFile(clusterA)
	r = h.run("", "create", "-n", "x", "-u", "https://git.example.com/x")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("management (admin) token"))
	g.Expect(r.stderr).NotTo(ContainSubstring(agentToken))

	r = h.run("", "list", "--endpoint", "http://127.0.0.1:1")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("check --endpoint"))

	r = h.run("", "list", "--no-such-flag")
	g.Expect(r.code).To(Equal(cli.ExitUsage))
	g.Expect(r.stderr).To(ContainSubstring("fluxconfig list --help"))
	r = h.run("", "create", "-n", "x", "-u", "https://git.example.com/x", "--interval", "600")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("--interval \"600\": give a unit, e.g. 600s or 600m"))
}

// TestCLI_Connection: flags win over the environment, which wins over the config file;
// the config file's relative paths are relative to it.
func TestCLI_Connection(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	dir := filepath.Join(h.env["HOME"], ".config", "fluxconfig")
	g.Expect(os.MkdirAll(dir, 0o700)).To(Succeed())
	g.Expect(os.WriteFile(filepath.Join(dir, "admin"), []byte(adminToken+"\n"), 0o600)).To(Succeed())
	g.Expect(os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("endpoint: "+h.endpoint.URL+"\ntoken-file: admin\ncluster: "+clusterA+"\n"), 0o600)).To(Succeed())
	h.env = map[string]string{"HOME": h.env["HOME"]}
	h.ok("", "create", "-n", "from-file", "-u", "https://git.example.com/x", "--branch", "main")
	g.Expect(h.desired("from-file").Name).To(Equal("from-file"))

	// The environment's token wins over the file's token-file; a wrong one is refused.
	h.env[cli.EnvToken] = "wrong"
	g.Expect(h.run("", "list").code).To(Equal(cli.ExitError))
	// --token-file wins over the environment.
	h.ok("", "list", "--token-file", h.endpoint.Tokens.AdminFile)
	delete(h.env, cli.EnvToken)
	// --cluster wins over the file's cluster.
	r := h.run("", "show", "-n", "from-file", "--cluster", "cluster-b")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("/v1/clusters/cluster-b/"))

	g.Expect(os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("endpoint: x\ntokenfile: admin\n"), 0o600)).To(Succeed())
	r = h.run("", "list")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("known keys: endpoint, token-file, ca-file, cluster"))
	r = h.run("", "list", "--config", filepath.Join(dir, "missing.yaml"))
	g.Expect(r.stderr).To(ContainSubstring("missing.yaml"))
}

// TestCLI_Completion: the shells' scripts, and --name completed from the endpoint.
func TestCLI_Completion(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	for _, shell := range []string{"bash", "zsh", "fish"} {
		g.Expect(h.ok("", "completion", shell).stdout).To(ContainSubstring("fluxconfig"))
	}
	h.ok("", "create", "-n", "alpha", "-u", "https://git.example.com/x", "--branch", "main", "-k", "name=infra", "path=./infra")
	h.ok("", "create", "-n", "beta", "-u", "https://git.example.com/x", "--branch", "main")
	r := h.ok("", "__complete", "show", "-n", "")
	g.Expect(strings.Split(r.stdout, "\n")[:2]).To(Equal([]string{"alpha", "beta"}))
	r = h.ok("", "__complete", "kustomization", "show", "-n", "alpha", "-k", "")
	g.Expect(strings.Split(r.stdout, "\n")[0]).To(Equal("infra"))
	r = h.ok("", "__complete", "create", "--kind", "")
	g.Expect(r.stdout).To(ContainSubstring("azblob\nbucket\ngit\noci\n"))
}

// TestCLI_WaitCompliant: compliant needs every kustomization reported Compliant, so a report
// from before a kustomization was added does not end the wait.
func TestCLI_WaitCompliant(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	h.ok("", "create", "-n", "w", "--namespace", "ns", "-u", "https://git.example.com/x", "--branch", "main",
		"-k", "name=infra", "path=./infra", "-k", "name=apps", "path=./apps")
	kustomization := func(name string) dpv1.ObjectStatusDefinition {
		return dpv1.ObjectStatusDefinition{Kind: "Kustomization", Namespace: "ns", Name: name, ComplianceState: "Compliant"}
	}
	h.report("w", dpv1.ObservedStatus{ComplianceState: "Compliant", Statuses: []dpv1.ObjectStatusDefinition{kustomization("w-infra")}})
	r := h.run("", "wait", "-n", "w", "--timeout", "1s", "--poll-interval", "100ms")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("timed out waiting for configuration w to be compliant"))
	h.report("w", dpv1.ObservedStatus{ComplianceState: "Compliant", Statuses: []dpv1.ObjectStatusDefinition{kustomization("w-infra"), kustomization("w-apps")}})
	h.ok("", "wait", "-n", "w", "--timeout", "10s", "--poll-interval", "100ms")
}

// TestCLI_WaitTimeoutDuringARead: a read the deadline cuts short ends the wait as a timeout
// with the last state read, not as the read's own "context deadline exceeded".
func TestCLI_WaitTimeoutDuringARead(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	h.ok("", "create", "-n", "w", "-u", "https://git.example.com/x", "--branch", "main")
	var reads atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if reads.Add(1) == 1 {
			testutil.Forward(w, r, h.endpoint.URL)
			return
		}
		<-r.Context().Done() // every later read outlasts the wait
	}))
	t.Cleanup(slow.Close)
	h.env[cli.EnvEndpoint] = slow.URL
	r := h.run("", "wait", "-n", "w", "--timeout", "500ms", "--poll-interval", "50ms")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("timed out waiting for configuration w to be compliant: provisioning"))
	g.Expect(r.stderr).NotTo(ContainSubstring("deadline exceeded"))
	g.Expect(reads.Load()).To(BeNumerically(">=", 2), "the wait read again after the first answer")
}
