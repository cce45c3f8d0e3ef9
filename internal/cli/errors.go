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

package cli

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// describeError is what the user reads for err: the endpoint's message, the field it
// names, the request, and what to do.
func describeError(err error) string {
	var ce *client.Error
	if !errors.As(err, &ce) {
		return "Error: " + err.Error() + "\n"
	}
	var b strings.Builder
	msg := ce.Detail.Message
	if msg == "" && ce.Err != nil {
		msg = ce.Err.Error()
	}
	fmt.Fprintf(&b, "Error: %s\n", msg)
	if ce.Detail.Target != "" {
		fmt.Fprintf(&b, "  Field:   %s\n", ce.Detail.Target)
	}
	if ce.StatusCode != 0 {
		fmt.Fprintf(&b, "  Request: %s %s answered %d %s\n", ce.Method, ce.URL, ce.StatusCode, http.StatusText(ce.StatusCode))
	} else {
		fmt.Fprintf(&b, "  Request: %s %s\n", ce.Method, ce.URL)
	}
	fmt.Fprintf(&b, "  Advice:  %s\n", advice(ce))
	return b.String()
}

func advice(e *client.Error) string {
	switch {
	case e.Reason == client.ReasonUnreachable:
		return "check --endpoint (or " + EnvEndpoint + ") and that the endpoint runs; for a private CA pass --ca-file"
	case e.Reason == client.ReasonNoToken:
		return "check the token file's path and permissions (--token-file, " + EnvTokenFile + ", or token-file in the config file)"
	case e.Reason == client.ReasonUnauthorized:
		return "use the endpoint's management (admin) token: --token-file, " + EnvToken + ", " + EnvTokenFile + ", or token-file in the config file"
	case e.Reason == client.ReasonInvalidResponse:
		return "the answer is not what a fluxconfig endpoint sends; check --endpoint, and that the CLI and the endpoint are of the same release"
	case e.StatusCode == http.StatusNotFound && strings.Contains(e.URL, client.ClustersPath+"/") && !strings.Contains(e.URL, "/fluxConfigurations"):
		return "'fluxconfig cluster list' shows the registered clusters; check the cluster name, or register it with 'fluxconfig cluster register'"
	case e.StatusCode == http.StatusNotFound:
		return "'fluxconfig list' shows the configurations of the cluster; check --name and --cluster"
	case e.StatusCode == http.StatusConflict:
		return "wait until the operation in progress ends ('fluxconfig show'), then run the command again"
	case e.StatusCode >= 500:
		return "the endpoint failed; see its log, then run the command again"
	case e.Detail.Target != "":
		return "correct " + e.Detail.Target + flagFor(e.Detail.Target) + " and run the command again; nothing was changed"
	}
	return "correct the request and run the command again; nothing was changed"
}

// targetFlags are the flags that set the last element of an endpoint error's target.
var targetFlags = map[string]string{
	"name": "--name", "scope": "--scope", "namespace": "--namespace", "url": "--url", "suspend": "--suspend",
	"repositoryRef": "--branch, --tag, --semver, --commit or --digest", "branch": "--branch", "tag": "--tag",
	"semver": "--semver", "commit": "--commit", "digest": "--digest", "httpsUser": "--https-user",
	"httpsCACert": "--https-ca-cert-file", "sshKnownHosts": "--known-hosts-file", "localAuthRef": "--local-auth-ref",
	"provider": "--provider", "syncIntervalInSeconds": "--interval", "timeoutInSeconds": "--timeout",
	"bucketName": "--bucket-name", "accessKey": "--bucket-access-key", "insecure": "--bucket-insecure or --oci-insecure",
	"containerName": "--container-name", "servicePrincipal": "--sp-* flags", "managedIdentity": "--mi-client-id",
	"layerSelector": "--oci-media-type, --oci-operation", "serviceAccountName": "--service-account-name",
	"tlsConfig": "--tls-* flags", "configurationProtectedSettings": "--protected-parameters or a secret flag",
	"reconciliationWaitDuration": "--reconciliation-wait-duration",
}

// flagFor names the flag behind target, as " (--flag)", when there is one.
func flagFor(target string) string {
	if strings.HasPrefix(target, "labels") {
		return " (--label)"
	}
	if strings.Contains(target, "kustomizations") {
		return " (--kustomization, or the flags of 'fluxconfig kustomization')"
	}
	parts := strings.Split(target, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		if flag, ok := targetFlags[strings.TrimSuffix(parts[i], "]")]; ok {
			return " (" + flag + ")"
		}
	}
	return ""
}
