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

package testenv

import (
	"fmt"
	"os"
	"testing"
)

// Main is the TestMain of a package whose tests share one control plane: it starts it, hands
// it to setup (which may return a stop for what it started, or nil), runs the tests, then
// stops what setup started and the control plane. A start or setup that fails is printed,
// and the package fails without running its tests.
func Main(m *testing.M, setup func(env *Environment) (stop func(), err error)) {
	os.Exit(run(m, setup))
}

func run(m *testing.M, setup func(env *Environment) (stop func(), err error)) int {
	env, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	stop, err := setup(env)
	if stop != nil {
		defer stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
