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

package sourcestandin

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/util"
)

// ArtifactServer serves packed revisions over HTTP on 127.0.0.1, the way source-controller's
// storage server does for kustomize-controller.
type ArtifactServer struct {
	mu     sync.RWMutex
	blobs  map[string][]byte
	server *httptest.Server
}

// NewArtifactServer listens on a free 127.0.0.1 port.
func NewArtifactServer() *ArtifactServer {
	a := &ArtifactServer{blobs: map[string][]byte{}}
	a.server = httptest.NewServer(http.HandlerFunc(a.serve))
	return a
}

// Put stores data at path and returns its URL.
func (a *ArtifactServer) Put(path string, data []byte) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.blobs[path] = data
	return a.server.URL + "/" + path
}

// Close stops the server.
func (a *ArtifactServer) Close() { a.server.Close() }

func (a *ArtifactServer) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.RLock()
	data, ok := a.blobs[strings.TrimPrefix(r.URL.Path, "/")]
	a.mu.RUnlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	_, _ = w.Write(data)
}

// pack writes every file of the work tree, except .git, into a gzipped tarball with fixed
// modes and no timestamps, so one revision always packs to the same digest.
func pack(fs billy.Filesystem) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	err := util.Walk(fs, "/", func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(path, "/")
		if name == ".git" || strings.HasPrefix(name, ".git/") || info.IsDir() {
			return nil
		}
		f, err := fs.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: info.Size(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
