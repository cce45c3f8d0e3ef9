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

package client

import (
	"context"
	"net/http"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// Put creates or replaces a configuration and returns the endpoint's management view of it.
func (cl *Cluster) Put(ctx context.Context, name string, cfg *dpv1.FluxConfiguration) (*dpv1.FluxConfiguration, error) {
	return call[dpv1.FluxConfiguration](ctx, cl, http.MethodPut, ItemPath(cl.name, name), cfg)
}

// Patch merges patch into a configuration as a JSON merge patch (RFC 7396): a value set to
// null is removed. patch is anything that marshals to a FluxConfiguration-shaped object,
// e.g. map[string]any{"properties": map[string]any{"suspend": true}} or a json.RawMessage.
func (cl *Cluster) Patch(ctx context.Context, name string, patch any) (*dpv1.FluxConfiguration, error) {
	return call[dpv1.FluxConfiguration](ctx, cl, http.MethodPatch, ItemPath(cl.name, name), patch)
}

// Get reads one configuration's management view; IsNotFound(err) when it does not exist.
func (cl *Cluster) Get(ctx context.Context, name string) (*dpv1.FluxConfiguration, error) {
	return call[dpv1.FluxConfiguration](ctx, cl, http.MethodGet, ItemPath(cl.name, name), nil)
}

// List reads the management view of every configuration of the cluster; it needs the admin
// token, with an agent's token the endpoint answers the desired set instead.
func (cl *Cluster) List(ctx context.Context) ([]dpv1.FluxConfiguration, error) {
	out, err := call[dpv1.FluxConfigurationList](ctx, cl, http.MethodGet, CollectionPath(cl.name), nil)
	out, err = listAnswer(cl.c, CollectionPath(cl.name), out, err, func(l *dpv1.FluxConfigurationList) bool { return l.Value != nil })
	if err != nil {
		return nil, err
	}
	return out.Value, nil
}

// DeleteOptions change how Delete removes a configuration.
type DeleteOptions struct {
	// Force removes the configuration from the endpoint at once, without waiting for the
	// agent to remove it from the cluster (ARM's forceDelete).
	Force bool
}

// Delete starts removing a configuration. It returns the management view while the agent
// removes it from the cluster (202), and nil once it is gone from the endpoint (a forced
// delete, or one that did not exist).
func (cl *Cluster) Delete(ctx context.Context, name string, opts DeleteOptions) (*dpv1.FluxConfiguration, error) {
	path := ItemPath(cl.name, name)
	if opts.Force {
		path += "?forceDelete=true"
	}
	return call[dpv1.FluxConfiguration](ctx, cl, http.MethodDelete, path, nil)
}
