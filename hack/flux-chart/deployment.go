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
	"fmt"
	"strings"
)

// layerDeployment lays the chart's values and lockdown flags over an upstream Deployment:
// pod labels (and the workload identity label), the proxy's environment and CA, and each
// controller's env, extraVolumes and extraVolumeMounts after upstream's. Everything else
// (ports, probes, upstream's env and volumes, grace period, strategy) stays upstream's.
func layerDeployment(t *templater, c controller, d map[string]any) error {
	layerMetadata(t, d, c.Name)
	spec, err := field(d, "spec")
	if err != nil {
		return err
	}
	labels, err := field(spec, "template", "metadata", "labels")
	if err != nil {
		return err
	}
	labels["app.kubernetes.io/part-of"] = "flux"
	labels["app.kubernetes.io/component"] = c.Name
	labels[t.block(fmt.Sprintf(`{{- with include "fluxconfig.fluxPodLabels" (list $ $v %t) | trim }}{{ . | nindent %%d }}{{ end }}`, c.Fetches))] = ""
	pod, err := field(spec, "template", "spec")
	if err != nil {
		return err
	}
	pod["serviceAccountName"] = c.Name
	// The restricted Pod Security Standard at the pod level too, as the chart's own pods.
	sc, _ := pod["securityContext"].(map[string]any)
	if sc == nil {
		sc = map[string]any{}
	}
	sc["runAsNonRoot"] = true
	sc["seccompProfile"] = map[string]any{"type": "RuntimeDefault"}
	pod["securityContext"] = sc
	pod[t.block(`{{- with include "fluxconfig.podScheduling" (list $ $f) | trim }}{{ . | nindent %d }}{{ end }}`)] = ""

	containers, _ := pod["containers"].([]any)
	var manager map[string]any
	for _, ctr := range containers {
		if m, ok := ctr.(map[string]any); ok && m["name"] == "manager" {
			manager = m
		}
	}
	if len(containers) != 1 || manager == nil {
		return fmt.Errorf("expected one container named manager, found %d", len(containers))
	}
	manager["image"] = t.inline(`{{ printf "%s:%s" $v.image.repository $v.image.tag }}`)
	manager["imagePullPolicy"] = t.inline(`{{ $v.image.pullPolicy }}`)
	manager["resources"] = t.block(`{{- toYaml $v.resources | nindent %d }}`)
	args, err := layerArgs(t, c, manager["args"])
	if err != nil {
		return err
	}
	manager["args"] = args
	if c.StoragePath {
		spec["strategy"] = map[string]any{"type": "Recreate"}
		mounts, _ := manager["volumeMounts"].([]any)
		manager["volumeMounts"] = append(mounts, map[string]any{"name": "data", "mountPath": "/data"})
		volumes, _ := pod["volumes"].([]any)
		pod["volumes"] = append(volumes, map[string]any{"name": "data", "emptyDir": map[string]any{}})
	}
	appendBlocks(manager, "env", t, "fluxconfig.proxyEnv", "env")
	appendBlocks(manager, "volumeMounts", t, "fluxconfig.proxyVolumeMounts", "extraVolumeMounts")
	appendBlocks(pod, "volumes", t, "fluxconfig.proxyVolumes", "extraVolumes")
	return nil
}

// appendBlocks appends to the list obj[key] what the chart's helper renders, then the
// controller's own value of that name.
func appendBlocks(obj map[string]any, key string, t *templater, helper, value string) {
	list, _ := obj[key].([]any)
	obj[key] = append(list,
		t.block(fmt.Sprintf(`{{- with include %q $ | trim }}{{ . | nindent %%d }}{{ end }}`, helper)),
		t.block(fmt.Sprintf(`{{- with $v.%s }}{{ toYaml . | nindent %%d }}{{ end }}`, value)))
}

// layerArgs templates the watch scope and log level upstream sets, keeps the rest of
// upstream's flags, and appends the chart's.
func layerArgs(t *templater, c controller, in any) ([]any, error) {
	upstream, _ := in.([]any)
	var out []any
	var watch, level bool
	for _, a := range upstream {
		s, _ := a.(string)
		switch {
		case s == "--watch-all-namespaces" || strings.HasPrefix(s, "--watch-all-namespaces="):
			watch = true
			out = append(out, t.inline(`--watch-all-namespaces={{ $.Values.watchAllNamespaces }}`))
		case strings.HasPrefix(s, "--log-level="):
			level = true
			out = append(out, t.inline(`--log-level={{ default $f.logLevel $v.logLevel }}`))
		default:
			out = append(out, s)
		}
	}
	if !watch || !level {
		return nil, fmt.Errorf("upstream args %q lack --watch-all-namespaces or --log-level; review the chart's flags", upstream)
	}
	if c.StoragePath {
		out = append(out, "--storage-path=/data")
	}
	if c.Events {
		out = append(out, t.block("{{- if $f.notificationController.enabled }}",
			"- --events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.cluster.local./", "{{- end }}"))
	}
	if c.NoCrossNamespaceRefs {
		out = append(out, t.block("{{- if $.Values.multiTenancy.enforce }}", "- --no-cross-namespace-refs=true", "{{- end }}"))
	}
	if c.DefaultServiceAccount {
		out = append(out, t.block("{{- if $.Values.multiTenancy.enforce }}", "- --default-service-account=flux-applier", "{{- end }}"))
	}
	out = append(out, t.block("{{- with $v.concurrent }}", "- --concurrent={{ . }}", "{{- end }}"))
	if c.Requeue {
		out = append(out, t.block("{{- with $v.requeueDependency }}", "- --requeue-dependency={{ . }}", "{{- end }}"))
	}
	if c.SSH {
		out = append(out, t.block("{{- with $v.sshHostKeyAlgos }}", `- --ssh-hostkey-algos={{ join "," . }}`, "{{- end }}"),
			t.block("{{- with $v.sshKexAlgos }}", `- --ssh-kex-algos={{ join "," . }}`, "{{- end }}"))
	}
	out = append(out, t.block("{{- range $v.extraArgs }}", "- {{ . | quote }}", "{{- end }}"))
	return out, nil
}

func field(m map[string]any, path ...string) (map[string]any, error) {
	for i, name := range path {
		v, ok := m[name].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("upstream manifest has no %s object", strings.Join(path[:i+1], "."))
		}
		m = v
	}
	return m, nil
}
