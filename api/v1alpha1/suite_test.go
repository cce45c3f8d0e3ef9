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

package v1alpha1_test

import (
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// k8sClient talks to the real kube-apiserver that TestMain starts with the CRDs installed.
var k8sClient client.Client

func TestMain(m *testing.M) {
	testenv.Main(m, func(env *testenv.Environment) (stop func(), err error) {
		k8sClient, err = client.New(env.Config, client.Options{Scheme: scheme.New()})
		return nil, err
	})
}
