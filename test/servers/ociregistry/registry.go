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

// Package ociregistry serves an OCI registry on 127.0.0.1, optionally over TLS and behind basic
// auth, and pushes Flux-format artifacts to it, as `flux push artifact` does.
package ociregistry

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/fluxconfig/fluxconfig/test/servers/tlsca"
)

// The media types source-controller expects of a Flux artifact (fluxcd/pkg/oci).
const (
	ConfigMediaType  types.MediaType = "application/vnd.cncf.flux.config.v1+json"
	ContentMediaType types.MediaType = "application/vnd.cncf.flux.content.v1.tar+gzip"
)

// Options choose how the registry is served. The zero value is plain HTTP without auth.
type Options struct {
	// CA, when set, serves TLS with a certificate it signs.
	CA *tlsca.CA
	// Username and Password, when set, guard every /v2/ request with basic auth.
	Username, Password string
}

// Registry is a running registry.
type Registry struct {
	// Host is host:port, as an image reference starts.
	Host   string
	server *http.Server
	remote []remote.Option
}

// Start serves a registry on a free port of 127.0.0.1 until Close.
func Start(opts Options) (*Registry, error) {
	if (opts.Username == "") != (opts.Password == "") {
		return nil, errors.New("ociregistry: give both Username and Password, or neither")
	}
	handler := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if opts.Username != "" {
		handler = basicAuth(handler, opts.Username, opts.Password)
	}
	host, server, err := tlsca.ServeLoopback(opts.CA, handler)
	if err != nil {
		return nil, err
	}
	r := &Registry{Host: host, server: server}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if opts.CA != nil {
		transport.TLSClientConfig = &tls.Config{RootCAs: opts.CA.Pool(), MinVersion: tls.VersionTLS12}
	}
	r.remote = []remote.Option{remote.WithTransport(transport)}
	if opts.Username != "" {
		r.remote = append(r.remote, remote.WithAuth(&authn.Basic{Username: opts.Username, Password: opts.Password}))
	}
	return r, nil
}

// URL is the oci:// URL of repository repo, as an OCIRepository names it.
func (r *Registry) URL(repo string) string { return "oci://" + r.Host + "/" + repo }

// Close stops the registry.
func (r *Registry) Close() error { return r.server.Close() }

// PushArtifact pushes files (path → content) to repo as a Flux artifact, a single-layer image
// whose layer is their tar.gz, under each of tags, and returns the manifest digest
// (sha256:…). source and revision become the annotations `flux push artifact` sets.
func (r *Registry) PushArtifact(ctx context.Context, repo string, files map[string]string, source, revision string, tags ...string) (string, error) {
	if len(tags) == 0 {
		return "", errors.New("ociregistry: push needs at least one tag")
	}
	tgz, err := Archive(files)
	if err != nil {
		return "", err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, ConfigMediaType)
	img, err = mutate.Append(img, mutate.Addendum{Layer: static.NewLayer(tgz, ContentMediaType)})
	if err != nil {
		return "", err
	}
	img = mutate.Annotations(img, map[string]string{
		"org.opencontainers.image.created":  time.Now().UTC().Format(time.RFC3339),
		"org.opencontainers.image.source":   source,
		"org.opencontainers.image.revision": revision,
	}).(v1.Image)
	opts := append([]remote.Option{remote.WithContext(ctx)}, r.remote...)
	first, err := name.NewTag(r.Host + "/" + repo + ":" + tags[0])
	if err != nil {
		return "", err
	}
	if err := remote.Write(first, img, opts...); err != nil {
		return "", fmt.Errorf("push %s: %w", first, err)
	}
	for _, t := range tags[1:] {
		tag, err := name.NewTag(r.Host + "/" + repo + ":" + t)
		if err != nil {
			return "", err
		}
		if err := remote.Tag(tag, img, opts...); err != nil {
			return "", fmt.Errorf("tag %s: %w", tag, err)
		}
	}
	digest, err := img.Digest()
	if err != nil {
		return "", err
	}
	return digest.String(), nil
}

// basicAuth answers 401 with a Basic challenge, as registries do, unless the request
// carries the credentials.
func basicAuth(next http.Handler, user, password string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		u, p, ok := req.BasicAuth()
		if !strings.HasPrefix(req.URL.Path, "/v2") ||
			ok && subtle.ConstantTimeCompare([]byte(u), []byte(user)) == 1 && subtle.ConstantTimeCompare([]byte(p), []byte(password)) == 1 {
			next.ServeHTTP(w, req)
			return
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="ociregistry"`)
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
	})
}
