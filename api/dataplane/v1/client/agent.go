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

// ListResult is the answer to ListDesired.
type ListResult struct {
	// NotModified is true when the endpoint answered 304 to the ETag sent.
	NotModified bool
	// ETag of the desired set, to send with the next ListDesired.
	ETag string
	// Items is the desired set; nil when NotModified.
	Items []dpv1.DesiredConfiguration
	// Authoritative is the endpoint's word that Items is complete: the agent may then prune
	// any number of configurations it no longer lists.
	Authoritative bool
}

// Agent is what fluxconfig-agent needs of the endpoint; *Cluster implements it, and tests
// can wrap it.
type Agent interface {
	// ListDesired fetches the desired set, or reports NotModified when it still has etag.
	ListDesired(ctx context.Context, etag string, opts ...ListOption) (*ListResult, error)
	// ReportStatus sends the status of one configuration.
	ReportStatus(ctx context.Context, name string, report *dpv1.StatusReport) error
}

var _ Agent = (*Cluster)(nil)

// ListOption changes how ListDesired asks.
type ListOption func(*listOptions)

type listOptions struct{ wait time.Duration }

// WithWait makes ListDesired with an etag a long-poll: the endpoint holds the request for
// up to wait (it caps it at dpv1.MaxLongPollWait) while the set still has that etag, and
// answers as soon as it changes, or 304 when the wait ends. The request's timeout is
// extended by wait. An endpoint that does not support long-poll answers at once.
func WithWait(wait time.Duration) ListOption {
	return func(o *listOptions) { o.wait = wait }
}

// ListDesired fetches the cluster's desired set with the agent's token. With a non-empty
// etag it sends If-None-Match, and a 304 comes back as NotModified.
func (cl *Cluster) ListDesired(ctx context.Context, etag string, opts ...ListOption) (*ListResult, error) {
	var o listOptions
	for _, opt := range opts {
		opt(&o)
	}
	header := http.Header{}
	if etag != "" {
		header.Set("If-None-Match", etag)
	}
	path := CollectionPath(cl.name)
	var extra time.Duration
	if o.wait > 0 && etag != "" {
		path += "?wait=" + url.QueryEscape(o.wait.String())
		extra = o.wait
	}
	resp, err := cl.sendWithin(ctx, http.MethodGet, path, nil, header, extra)
	if err != nil {
		return nil, err
	}
	if resp.code == http.StatusNotModified {
		return &ListResult{NotModified: true, ETag: etag}, nil
	}
	items, authoritative, err := decodeDesired(resp.body)
	if err != nil {
		return nil, &Error{Method: http.MethodGet, URL: cl.c.base + path, Reason: ReasonInvalidResponse, Err: err}
	}
	return &ListResult{ETag: resp.header.Get("ETag"), Items: items, Authoritative: authoritative}, nil
}

// ReportStatus sends the status of one configuration with the agent's token.
func (cl *Cluster) ReportStatus(ctx context.Context, name string, report *dpv1.StatusReport) error {
	_, err := cl.send(ctx, http.MethodPut, StatusPath(cl.name, name), report, nil)
	return err
}
