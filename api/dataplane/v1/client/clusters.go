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
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// The cluster registry's management API; every call needs the admin token.

// ClustersPath is the cluster registry's collection.
const ClustersPath = "/v1/clusters"

// ClusterPath is the registration of cluster.
func ClusterPath(cluster string) string { return ClustersPath + "/" + url.PathEscape(cluster) }

// RegisterCluster registers cluster with labels, or replaces the labels of a registered
// one. created is true when this call registered it: only then does the answer carry the
// agent token (Cluster.Token), which the endpoint never shows again.
func (c *Client) RegisterCluster(ctx context.Context, cluster string, labels map[string]string) (out *dpv1.Cluster, created bool, err error) {
	if err := nameRequired(kindCluster, cluster, http.MethodPut, c.base+ClusterPath(cluster)); err != nil {
		return nil, false, err
	}
	resp, err := c.send(ctx, http.MethodPut, ClusterPath(cluster), dpv1.ClusterRegistration{Labels: labels}, nil)
	out, err = decode[dpv1.Cluster](c, http.MethodPut, ClusterPath(cluster), resp, err)
	if err != nil {
		return nil, false, err
	}
	return out, resp.code == http.StatusCreated, nil
}

// GetCluster returns a registration; an unregistered cluster is an *Error with
// StatusCode 404.
func (c *Client) GetCluster(ctx context.Context, cluster string) (*dpv1.Cluster, error) {
	return callNamed[dpv1.Cluster](ctx, c, kindCluster, cluster, http.MethodGet, ClusterPath(cluster), nil)
}

// DeleteCluster removes a registration; its agent tokens stop working at once. Deleting an
// unregistered cluster succeeds.
func (c *Client) DeleteCluster(ctx context.Context, cluster string) error {
	return c.deleteNamed(ctx, kindCluster, cluster, ClusterPath(cluster))
}

// RotateClusterToken issues a new agent token (in Cluster.Token); the current one stays
// valid for grace. A negative grace takes the endpoint's default (1h); zero ends the old
// token at once.
func (c *Client) RotateClusterToken(ctx context.Context, cluster string, grace time.Duration) (*dpv1.Cluster, error) {
	path := ClusterPath(cluster) + "/rotateToken"
	if grace >= 0 {
		path += "?grace=" + url.QueryEscape(grace.String())
	}
	return callNamed[dpv1.Cluster](ctx, c, kindCluster, cluster, http.MethodPost, path, nil)
}

// ListClustersOptions select and page ListClusters.
type ListClustersOptions struct {
	// LabelSelector is a Kubernetes label selector, e.g. "region=eu,tier in (prod)".
	LabelSelector string
	// Limit is the page size; zero takes the endpoint's default (100).
	Limit int
	// Continue is the previous page's ClusterList.Continue.
	Continue string
}

// ListClusters returns one page of registrations ordered by name; pass its Continue in
// the options for the next page, until it is empty.
func (c *Client) ListClusters(ctx context.Context, opts ListClustersOptions) (*dpv1.ClusterList, error) {
	q := url.Values{}
	if opts.LabelSelector != "" {
		q.Set("labelSelector", opts.LabelSelector)
	}
	path := pagePath(ClustersPath, q, opts.Limit, opts.Continue)
	out, err := callClient[dpv1.ClusterList](ctx, c, http.MethodGet, path, nil)
	return listAnswer(c, path, out, err, func(l *dpv1.ClusterList) bool { return l.Value != nil })
}
