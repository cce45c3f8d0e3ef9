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

package ociregistry

import (
	"context"
	"crypto/tls"
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/fluxconfig/fluxconfig/test/servers/tlsca"
)

func TestPushArtifact_TLSAndBasicAuth(t *testing.T) {
	ca, err := tlsca.New("test")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := Start(Options{CA: ca, Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	digest, err := reg.PushArtifact(context.Background(), "app", map[string]string{"a.yaml": "x: 1\n"}, "src", "main@sha1:0", "1.0.0", "latest")
	if err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12}}
	ref, _ := name.ParseReference(reg.Host + "/app:latest")
	if _, err := remote.Image(ref, remote.WithTransport(transport)); err == nil {
		t.Fatal("pulled without credentials")
	}
	img, err := remote.Image(ref, remote.WithTransport(transport), remote.WithAuth(&authn.Basic{Username: "u", Password: "p"}))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := img.Digest(); d.String() != digest {
		t.Fatalf("digest %s, pushed %s", d, digest)
	}
	layers, _ := img.Layers()
	mt, _ := layers[0].MediaType()
	cfg, _ := img.Manifest()
	if len(layers) != 1 || mt != ContentMediaType || cfg.Config.MediaType != ConfigMediaType {
		t.Fatalf("not a Flux artifact: %d layers, layer %s, config %s", len(layers), mt, cfg.Config.MediaType)
	}
}
