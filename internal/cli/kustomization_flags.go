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
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// defaultKustomization is what az creates when a configuration is given no kustomization.
const defaultKustomization = "kustomization-1"

// kustomizationKeys maps the keys of --kustomization, as az spells them (dashes or
// underscores), to how they are read.
var kustomizationKeys = map[string]string{
	"name": "name", "path": "path",
	"depends_on": "dependsOn", "dependson": "dependsOn", "depends": "dependsOn", "dependencies": "dependsOn",
	"timeout": "timeoutInSeconds", "sync_interval": "syncIntervalInSeconds", "interval": "syncIntervalInSeconds",
	"retry_interval": "retryIntervalInSeconds", "prune": "prune", "force": "force", "wait": "wait",
	"disable_health_check": "disableHealthCheck", "post_build": "postBuild", "postbuild": "postBuild",
}

// parseKustomizations reads --kustomization values, each "name=N path=P ..." (az passes
// the pairs as separate arguments; rewriteArgs joins them into one value).
func parseKustomizations(specs []string) (map[string]any, error) {
	out := map[string]any{}
	for _, spec := range specs {
		name, def, err := parseKustomization(spec)
		if err != nil {
			return nil, err
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("--kustomization: %s is given twice", name)
		}
		out[name] = def
	}
	return out, nil
}

func parseKustomization(spec string) (string, map[string]any, error) {
	def := map[string]any{}
	name := ""
	for _, pair := range strings.Fields(spec) {
		k, v, ok := strings.Cut(pair, "=")
		key, known := kustomizationKeys[strings.ReplaceAll(strings.ToLower(k), "-", "_")]
		if !ok || !known {
			return "", nil, fmt.Errorf("--kustomization %q: %q is not KEY=VALUE with a key of name, path, depends_on, timeout, "+
				"sync_interval, retry_interval, prune, force, wait, disable_health_check, post_build", spec, pair)
		}
		label := "--kustomization " + k
		switch key {
		case "name":
			name = v
		case "path":
			def["path"] = v
		case "dependsOn":
			def["dependsOn"] = splitList(v)
		case "timeoutInSeconds", "syncIntervalInSeconds", "retryIntervalInSeconds":
			s, err := parseSeconds(label, v)
			if err != nil {
				return "", nil, err
			}
			def[key] = s
		default:
			b, err := strconv.ParseBool(v)
			if err != nil {
				return "", nil, fmt.Errorf("%s=%q: use true or false", label, v)
			}
			switch key {
			case "disableHealthCheck":
				def["wait"] = !b
			case "postBuild":
				// An empty postBuild turns substitution on, so a fleet configuration's
				// ${cluster_name} and ${cluster_label_<key>} reach the manifests.
				if b {
					def[key] = map[string]any{}
				} else {
					delete(def, key)
				}
			default:
				def[key] = b
			}
		}
	}
	if name == "" {
		return "", nil, fmt.Errorf("--kustomization %q: name=NAME is required", spec)
	}
	return name, def, nil
}

// splitList reads a list of names: comma-separated, or as az's documentation writes it,
// ["a","b"] (which bash passes on as [a,b]).
func splitList(v string) []string {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
		v = v[1 : len(v)-1]
	}
	out := []string{}
	for _, s := range strings.Split(v, ",") {
		if s = strings.Trim(strings.TrimSpace(s), `"'`); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// kustomizationFlags are the flags of kustomization create and update.
type kustomizationFlags struct {
	fs                                 *pflag.FlagSet
	path, dependsOn                    string
	timeout, interval, retryInterval   string
	prune, force, wait, disableHealthy bool
}

func (k *kustomizationFlags) addFlags(fs *pflag.FlagSet) {
	k.fs = fs
	fs.StringVar(&k.path, "path", "", "path in the source to apply")
	fs.StringVar(&k.dependsOn, "depends-on", "", "comma-separated kustomizations of the same configuration to apply first (alias --dependencies, --depends)")
	fs.StringVar(&k.timeout, "timeout", "", "maximum time to reconcile the kustomization, e.g. 10m")
	fs.StringVar(&k.interval, "interval", "", "time between reconciliations, e.g. 10m (alias --sync-interval)")
	fs.StringVar(&k.retryInterval, "retry-interval", "", "time between reconciliations after a failure, e.g. 2m")
	fs.BoolVar(&k.prune, "prune", false, "garbage-collect what the kustomization applied when it is gone from the source")
	fs.BoolVar(&k.force, "force", false, "re-create objects that cannot be updated (e.g. Jobs)")
	fs.BoolVar(&k.wait, "wait", true, "health-check everything the kustomization applies")
	fs.BoolVar(&k.disableHealthy, "disable-health-check", false, "do not health-check what the kustomization applies (--wait=false)")
}

// definition builds the kustomization from the flags given.
func (k *kustomizationFlags) definition() (map[string]any, error) {
	def := map[string]any{}
	setIfChanged(def, "path", k.path, k.fs.Changed("path"))
	if k.fs.Changed("depends-on") {
		def["dependsOn"] = splitList(k.dependsOn)
	}
	for flag, key := range map[string]string{"timeout": "timeoutInSeconds", "interval": "syncIntervalInSeconds", "retry-interval": "retryIntervalInSeconds"} {
		if k.fs.Changed(flag) {
			s, err := parseSeconds("--"+flag, k.fs.Lookup(flag).Value.String())
			if err != nil {
				return nil, err
			}
			def[key] = s
		}
	}
	for flag, key := range map[string]string{"prune": "prune", "force": "force", "wait": "wait"} {
		if k.fs.Changed(flag) {
			def[key] = k.fs.Lookup(flag).Value.String() == "true"
		}
	}
	if k.fs.Changed("disable-health-check") {
		if k.fs.Changed("wait") && k.wait == k.disableHealthy {
			return nil, fmt.Errorf("--wait=%t and --disable-health-check=%t contradict each other; give one", k.wait, k.disableHealthy)
		}
		def["wait"] = !k.disableHealthy
	}
	return def, nil
}
