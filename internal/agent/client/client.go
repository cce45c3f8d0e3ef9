/*
Copyright 2026 The fluxconfig Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package client talks to the configuration endpoint for fluxconfig-agent: it fetches the
// desired set with an ETag, decodes it strictly within a size cap, and sends status reports.
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
	"strings"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// MaxResponseBytes caps a list response; a larger answer is treated as broken.
const MaxResponseBytes = 4 << 20

// ListResult is the answer to a List.
type ListResult struct {
	// NotModified is true when the endpoint answered 304 to the ETag sent.
	NotModified bool
	// ETag of the desired set, to send with the next List.
	ETag string
	// Items is the desired set; nil when NotModified.
	Items []dpv1.DesiredConfiguration
}

// ConfigClient is the agent's view of the endpoint, an interface so tests can swap it.
type ConfigClient interface {
	// List fetches the desired set, or reports NotModified when it still has etag.
	List(ctx context.Context, etag string) (*ListResult, error)
	// ReportStatus sends the status of one configuration.
	ReportStatus(ctx context.Context, name string, report *dpv1.StatusReport) error
}

// Options configure an HTTPClient.
type Options struct {
	// Endpoint is the base URL, e.g. https://config.example.com.
	Endpoint string
	// Cluster is this cluster's name at the endpoint.
	Cluster string
	// TokenFile holds the bearer token; it is read for every request, so it can rotate.
	TokenFile string
	// CAFile is a PEM bundle trusted for the endpoint's certificate; system roots if empty.
	CAFile string
	// Timeout bounds one request, including reading the body.
	Timeout time.Duration
}

// HTTPClient is the ConfigClient over HTTP(S).
type HTTPClient struct {
	opts Options
	base *url.URL
	http *http.Client
}

var _ ConfigClient = (*HTTPClient)(nil)

// New checks the options and builds the client.
func New(opts Options) (*HTTPClient, error) {
	base, err := url.Parse(strings.TrimSuffix(opts.Endpoint, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("endpoint %q must be an http:// or https:// URL", opts.Endpoint)
	}
	if opts.Cluster == "" {
		return nil, errors.New("the cluster name is required")
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading the CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("the CA file %s holds no PEM certificate", opts.CAFile)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &HTTPClient{opts: opts, base: base, http: &http.Client{Transport: transport, Timeout: opts.Timeout}}, nil
}

func (c *HTTPClient) listURL() string {
	return c.base.String() + "/v1/clusters/" + url.PathEscape(c.opts.Cluster) + "/fluxConfigurations"
}

// List implements ConfigClient.
func (c *HTTPClient) List(ctx context.Context, etag string) (*ListResult, error) {
	u := c.listURL()
	req, err := c.request(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &Error{Method: "GET", URL: u, Reason: ReasonUnreachable, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return &ListResult{NotModified: true, ETag: etag}, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, &Error{Method: "GET", URL: u, Reason: ReasonUnreachable, Err: fmt.Errorf("reading the response: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, statusError("GET", u, resp, body, c.opts.TokenFile)
	}
	if len(body) > MaxResponseBytes {
		return nil, &Error{Method: "GET", URL: u, Reason: ReasonInvalidResponse, Err: fmt.Errorf("the response exceeds %d bytes", MaxResponseBytes)}
	}
	items, err := DecodeList(body)
	if err != nil {
		return nil, &Error{Method: "GET", URL: u, Reason: ReasonInvalidResponse, Err: err}
	}
	return &ListResult{ETag: resp.Header.Get("ETag"), Items: items}, nil
}

// ReportStatus implements ConfigClient.
func (c *HTTPClient) ReportStatus(ctx context.Context, name string, report *dpv1.StatusReport) error {
	u := c.listURL() + "/" + url.PathEscape(name) + "/status"
	data, err := json.Marshal(report)
	if err != nil {
		return err
	}
	req, err := c.request(ctx, http.MethodPut, u, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return &Error{Method: "PUT", URL: u, Reason: ReasonUnreachable, Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return statusError("PUT", u, resp, body, c.opts.TokenFile)
	}
	return nil
}

// request builds a request with the current token from the token file.
func (c *HTTPClient) request(ctx context.Context, method, u string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if c.opts.TokenFile != "" {
		tok, err := os.ReadFile(c.opts.TokenFile)
		if err != nil {
			return nil, &Error{Method: method, URL: u, Reason: ReasonNoToken, Err: fmt.Errorf("reading the token file: %w", err)}
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}
