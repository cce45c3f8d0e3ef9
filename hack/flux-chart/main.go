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

// Command flux-chart generates the chart's Flux controller objects (ServiceAccount,
// Deployment, Services) from the upstream controller modules' config/manager manifests, with
// the chart's values and lockdown flags layered on. A Flux bump is a version change in the
// Makefile and `make generate`.
//
//	go run ./hack/flux-chart -out FILE -source v1.9.6 -kustomize v1.9.5 -helm v1.4.0 -notification v1.6.0
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

func main() {
	var out string
	versions := map[string]*string{}
	flag.StringVar(&out, "out", "", "File to write the chart template to.")
	for _, c := range controllers {
		if c.Module != "" {
			versions[c.Module] = flag.String(c.Flag, "", "Version of "+c.Module+" whose config/manager is the base.")
		}
	}
	flag.Parse()
	dirs := map[string]string{}
	for module, v := range versions {
		if *v == "" {
			fail(fmt.Errorf("the version of %s is required", module))
		}
		dir, err := moduleDir(module, *v)
		if err != nil {
			fail(err)
		}
		dirs[module] = dir
	}
	if out == "" {
		fail(fmt.Errorf("-out is required"))
	}
	data, err := generate(func(module string) (string, string) { return dirs[module], *versions[module] })
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "flux-chart:", err)
	os.Exit(1)
}

// moduleDir downloads module@version into the module cache and returns its directory. It
// runs outside any module, so the project's go.mod stays untouched.
func moduleDir(module, version string) (string, error) {
	tmp, err := os.MkdirTemp("", "flux-chart")
	if err != nil {
		return "", err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	cmd := exec.Command("go", "mod", "download", "-json", module+"@"+version)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil || info.Error != "" || runErr != nil {
		return "", fmt.Errorf("downloading %s@%s: %s%s", module, version, info.Error, stderr.String())
	}
	return filepath.Clean(info.Dir), nil
}
