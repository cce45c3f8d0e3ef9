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

// Package client is the typed client of the configuration endpoint: the agent's calls
// (a cluster's desired set with an ETag, status reports) and the management calls (put,
// patch, get, delete, list). Every answer is decoded strictly within a size cap, and every
// failure is an *Error that carries the endpoint's error body and never the token.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// MaxResponseBytes caps a response body; a larger answer is treated as broken.
const MaxResponseBytes = dpv1.MaxResponseBytes

// CorrelationHeader carries a caller's correlation id into the operation a write starts.
const CorrelationHeader = "X-Correlation-Id"

type correlationKey struct{}

// WithCorrelationID returns a context whose writes carry id as their correlation id.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

// Options configure a Client.
type Options struct {
	// Endpoint is the base URL, e.g. https://config.example.com.
	Endpoint string
	// Token is the bearer token. TokenFile is used instead when it is set.
	Token string
	// TokenFile holds the bearer token; it is read for every request, so it can rotate.
	TokenFile string
	// CAFile is a PEM bundle trusted for the endpoint's certificate; system roots if empty.
	CAFile string
	// Timeout bounds one request, including reading the body; 30s when zero. A long-poll
	// (WithWait) gets its wait on top.
	Timeout time.Duration
	// UserAgent names the caller, e.g. fluxconfig-agent/v1.2.3; the endpoint's dashboard
	// shows an agent's. Go's default when empty.
	UserAgent string
	// Transport replaces the default transport, e.g. to count requests; CAFile is then
	// ignored.
	Transport http.RoundTripper
}

// Client talks to one endpoint with one token. It is safe for concurrent use.
type Client struct {
	opts Options
	base string
	http *http.Client
}

// New checks the options and builds the client.
func New(opts Options) (*Client, error) {
	base, err := url.Parse(strings.TrimSuffix(opts.Endpoint, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("endpoint %q must be an http:// or https:// URL", opts.Endpoint)
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	transport := opts.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		if opts.CAFile != "" {
			pem, err := os.ReadFile(opts.CAFile)
			if err != nil {
				return nil, fmt.Errorf("reading the CA file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("the CA file %s holds no PEM certificate", opts.CAFile)
			}
			t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		transport = t
	}
	return &Client{opts: opts, base: base.String(), http: &http.Client{Transport: transport, Timeout: opts.Timeout}}, nil
}

// Cluster returns the calls on one cluster's configurations.
func (c *Client) Cluster(name string) *Cluster {
	return &Cluster{c: c, name: name}
}

// Cluster is one cluster's configurations at the endpoint.
type Cluster struct {
	c    *Client
	name string
}

// Name is the cluster's name at the endpoint.
func (cl *Cluster) Name() string { return cl.name }

// CollectionPath is the path of a cluster's configurations.
func CollectionPath(cluster string) string {
	return "/v1/clusters/" + url.PathEscape(cluster) + "/fluxConfigurations"
}

// ItemPath is the path of one configuration.
func ItemPath(cluster, name string) string {
	return CollectionPath(cluster) + "/" + url.PathEscape(name)
}

// StatusPath is the path an agent reports one configuration's status to.
func StatusPath(cluster, name string) string {
	return ItemPath(cluster, name) + "/status"
}

// response is a 2xx answer, its body read within MaxResponseBytes.
type response struct {
	code   int
	header http.Header
	body   []byte
}

// send sends one request with in as its JSON body (nil: none). A transport failure, an
// oversized body and a non-2xx answer are *Errors; 304 is returned as a response.
func (cl *Cluster) send(ctx context.Context, method, path string, in any, header http.Header) (*response, error) {
	return cl.sendWithin(ctx, method, path, in, header, 0)
}

// sendWithin is send with the request's timeout extended by extra, for a held poll.
func (cl *Cluster) sendWithin(ctx context.Context, method, path string, in any, header http.Header, extra time.Duration) (*response, error) {
	if cl.name == "" {
		return nil, &Error{Method: method, URL: cl.c.base + path, Reason: ReasonRequestRefused, Err: errors.New("the cluster name is required")}
	}
	return cl.c.sendWithin(ctx, method, path, in, header, extra)
}

// send is Cluster.send for paths that name no cluster, such as the cluster registry's list.
func (c *Client) send(ctx context.Context, method, path string, in any, header http.Header) (*response, error) {
	return c.sendWithin(ctx, method, path, in, header, 0)
}

// sendWithin is Client.send with the request's timeout extended by extra.
func (c *Client) sendWithin(ctx context.Context, method, path string, in any, header http.Header, extra time.Duration) (*response, error) {
	u := c.base + path
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encoding the %s %s body: %w", method, u, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	if id, _ := ctx.Value(correlationKey{}).(string); id != "" {
		req.Header.Set(CorrelationHeader, id)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if err := c.authorize(req); err != nil {
		return nil, err
	}
	hc := c.http
	if extra > 0 {
		longer := *hc
		longer.Timeout += extra
		hc = &longer
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &Error{Method: method, URL: u, Reason: ReasonUnreachable, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, &Error{Method: method, URL: u, Reason: ReasonUnreachable, Err: fmt.Errorf("reading the response: %w", err)}
	}
	if resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusNotModified {
		return nil, c.statusError(method, u, resp.StatusCode, data)
	}
	if len(data) > MaxResponseBytes {
		return nil, &Error{Method: method, URL: u, Reason: ReasonInvalidResponse, Err: fmt.Errorf("the response exceeds %d bytes", MaxResponseBytes)}
	}
	return &response{code: resp.StatusCode, header: resp.Header, body: data}, nil
}

// call is send that decodes a 2xx body strictly into out; an empty body leaves out nil.
func call[T any](ctx context.Context, cl *Cluster, method, path string, in any) (*T, error) {
	resp, err := cl.send(ctx, method, path, in, nil)
	return decode[T](cl.c, method, path, resp, err)
}

// callClient is call for paths that name no cluster.
func callClient[T any](ctx context.Context, c *Client, method, path string, in any) (*T, error) {
	resp, err := c.send(ctx, method, path, in, nil)
	return decode[T](c, method, path, resp, err)
}

// The kinds of item a path names, as nameRequired speaks of them.
const (
	kindCluster = "cluster"
	kindFleet   = "fleet configuration"
)

// nameRequired refuses a call whose path would name no item of kind.
func nameRequired(kind, name, method, u string) error {
	if name == "" {
		return &Error{Method: method, URL: u, Reason: ReasonRequestRefused, Err: errors.New("the " + kind + " name is required")}
	}
	return nil
}

// callNamed is callClient for a path naming one item of kind: an empty name is refused
// before anything is sent.
func callNamed[T any](ctx context.Context, c *Client, kind, name, method, path string, in any) (*T, error) {
	if err := nameRequired(kind, name, method, c.base+path); err != nil {
		return nil, err
	}
	return callClient[T](ctx, c, method, path, in)
}

// deleteNamed deletes the item of kind at path; an empty name is refused.
func (c *Client) deleteNamed(ctx context.Context, kind, name, path string) error {
	if err := nameRequired(kind, name, http.MethodDelete, c.base+path); err != nil {
		return err
	}
	_, err := c.send(ctx, http.MethodDelete, path, nil, nil)
	return err
}

// listAnswer passes on a list answer that holds its "value" list: an empty list is [], and
// an answer without one is refused rather than read as an empty set.
func listAnswer[T any](c *Client, path string, out *T, err error, hasValue func(*T) bool) (*T, error) {
	if err != nil {
		return nil, err
	}
	if out == nil || !hasValue(out) {
		return nil, &Error{Method: http.MethodGet, URL: c.base + path, Reason: ReasonInvalidResponse, Err: errMissingValue}
	}
	return out, nil
}

// pagePath adds q, with a page's limit and continue token when they are set, to path.
func pagePath(path string, q url.Values, limit int, cont string) string {
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cont != "" {
		q.Set("continue", cont)
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return path
}

func decode[T any](c *Client, method, path string, resp *response, err error) (*T, error) {
	if err != nil || len(bytes.TrimSpace(resp.body)) == 0 {
		return nil, err
	}
	out := new(T)
	if err := dpv1.DecodeStrict(resp.body, out); err != nil {
		return nil, &Error{Method: method, URL: c.base + path, Reason: ReasonInvalidResponse, Err: fmt.Errorf("decoding the response: %w", err)}
	}
	return out, nil
}

// authorize sets the bearer token, read from the token file when there is one.
func (c *Client) authorize(req *http.Request) error {
	tok := c.opts.Token
	if c.opts.TokenFile != "" {
		data, err := os.ReadFile(c.opts.TokenFile)
		if err != nil {
			return &Error{Method: req.Method, URL: req.URL.String(), Reason: ReasonNoToken, Err: fmt.Errorf("reading the token file: %w", err)}
		}
		tok = string(data)
	}
	if tok = strings.TrimSpace(tok); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return nil
}
