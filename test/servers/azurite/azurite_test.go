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

package azurite

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
)

// TestAzurite runs with FLUXCONFIG_AZURITE naming azurite-blob (`make test-e2e` sets it).
func TestAzurite(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Start(ctx, os.Getenv("FLUXCONFIG_AZURITE"), t.TempDir())
	if errors.Is(err, ErrUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Put(ctx, "manifests", map[string]string{"dir/a.yaml": "x: 1\n"}); err != nil {
		t.Fatal(err)
	}

	token, err := a.AccountSAS(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]int{token: http.StatusOK, "": http.StatusForbidden} {
		resp, err := http.Get(a.URL() + "/manifests/dir/a.yaml?" + token)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET with token %t: %d %s, want %d", token != "", resp.StatusCode, body, want)
		}
	}

	proxy, stop, err := a.HostStyleProxy()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stop() }()
	proxyURL, _ := url.Parse(proxy)
	cred, _ := azblob.NewSharedKeyCredential(Account, AccountKey)
	opts := &azblob.ClientOptions{}
	opts.Transport = &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}
	c, err := azblob.NewClientWithSharedKeyCredential(a.HostStyleURL()+"/", cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.DownloadStream(ctx, "manifests", "dir/a.yaml", nil)
	if err != nil {
		t.Fatalf("shared key through the host-style URL: %v", err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(data), "x: 1") {
		t.Errorf("downloaded %q", data)
	}
}
