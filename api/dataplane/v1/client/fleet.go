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
	"net/url"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// Fleet configurations' management API; every call needs the admin token.

// FleetsPath is the collection of fleet configurations.
const FleetsPath = "/v1/fleetConfigurations"

// FleetPath is one fleet configuration.
func FleetPath(name string) string { return FleetsPath + "/" + url.PathEscape(name) }

// PutFleet creates or changes a fleet configuration and returns it with its revision. A
// body identical to the current revision changes nothing and returns it as it is.
func (c *Client) PutFleet(ctx context.Context, name string, fleet *dpv1.FleetConfiguration) (*dpv1.FleetConfiguration, error) {
	return callNamed[dpv1.FleetConfiguration](ctx, c, kindFleet, name, http.MethodPut, FleetPath(name), fleet)
}

// GetFleet reads a fleet configuration; IsNotFound(err) when it does not exist.
func (c *Client) GetFleet(ctx context.Context, name string) (*dpv1.FleetConfiguration, error) {
	return callNamed[dpv1.FleetConfiguration](ctx, c, kindFleet, name, http.MethodGet, FleetPath(name), nil)
}

// DeleteFleet removes a fleet configuration at once; each cluster's copy is removed as a
// per-cluster delete removes it, once its agent reports it gone. Deleting a missing one
// succeeds.
func (c *Client) DeleteFleet(ctx context.Context, name string) error {
	return c.deleteNamed(ctx, kindFleet, name, FleetPath(name))
}

// ListFleetsOptions page ListFleets.
type ListFleetsOptions struct {
	// Limit is the page size; zero takes the endpoint's default (100).
	Limit int
	// Continue is the previous page's FleetConfigurationList.Continue.
	Continue string
}

// ListFleets returns one page of fleet configurations ordered by name; pass its Continue
// in the options for the next page, until it is empty.
func (c *Client) ListFleets(ctx context.Context, opts ListFleetsOptions) (*dpv1.FleetConfigurationList, error) {
	path := pagePath(FleetsPath, url.Values{}, opts.Limit, opts.Continue)
	out, err := callClient[dpv1.FleetConfigurationList](ctx, c, http.MethodGet, path, nil)
	return listAnswer(c, path, out, err, func(l *dpv1.FleetConfigurationList) bool { return l.Value != nil })
}

// ListFleetRevisions returns the kept revisions of a fleet configuration (the last ten),
// newest first.
func (c *Client) ListFleetRevisions(ctx context.Context, name string) ([]dpv1.FleetRevision, error) {
	path := FleetPath(name) + "/revisions"
	out, err := callNamed[dpv1.FleetRevisionList](ctx, c, kindFleet, name, http.MethodGet, path, nil)
	out, err = listAnswer(c, path, out, err, func(l *dpv1.FleetRevisionList) bool { return l.Value != nil })
	if err != nil {
		return nil, err
	}
	return out.Value, nil
}

// FleetStatusOptions page GetFleetStatus.
type FleetStatusOptions struct {
	// Limit is the page size of clusters; zero takes the endpoint's default (100).
	Limit int
	// Continue is the previous page's FleetStatus.Continue.
	Continue string
}

// GetFleetStatus returns a fleet configuration's counts by state, its commits, and one
// page of its clusters, failing ones first; IsNotFound(err) when it does not exist.
func (c *Client) GetFleetStatus(ctx context.Context, name string, opts FleetStatusOptions) (*dpv1.FleetStatus, error) {
	path := pagePath(FleetPath(name)+"/status", url.Values{}, opts.Limit, opts.Continue)
	out, err := callNamed[dpv1.FleetStatus](ctx, c, kindFleet, name, http.MethodGet, path, nil)
	return listAnswer(c, path, out, err, func(st *dpv1.FleetStatus) bool { return st.Value != nil })
}
