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
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// registerDeployKeys does for every SSH sample without a private key what its owner would do
// with a git host: read the public key the controller generated from
// status.repositoryPublicKey and add it as a deploy key, here to the local SSH server.
func registerDeployKeys(ctx context.Context, c client.Client, configs []sampleRef, git *gitSource) {
	for _, ref := range configs {
		if !ref.deployKey {
			continue
		}
		go func() {
			key, err := waitPublicKey(ctx, c, ref)
			if err != nil {
				if ctx.Err() == nil {
					fmt.Printf("  deploy key of %s: %v\n", ref, err)
				}
				return
			}
			if err := git.ssh.Authorize(key); err != nil {
				fmt.Printf("  deploy key of %s: %v\n", ref, err)
				return
			}
			fields := strings.Fields(key)
			fmt.Printf("  Registered %s's public key (%s %s…) as a deploy key with the local SSH git server\n",
				ref, fields[0], fields[1][:min(16, len(fields[1]))])
		}()
	}
}

func waitPublicKey(ctx context.Context, c client.Client, ref sampleRef) (string, error) {
	for {
		fc := &v1alpha1.FluxConfig{}
		if err := c.Get(ctx, types.NamespacedName{Namespace: ref.namespace, Name: ref.name}, fc); err == nil {
			if key := strings.TrimSpace(fc.Status.RepositoryPublicKey); len(strings.Fields(key)) >= 2 {
				return key, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}
