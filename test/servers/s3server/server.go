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

// Package s3server serves an S3-compatible API on 127.0.0.1 (gofakes3, in memory), optionally
// over TLS, checking AWS Signature V4 against one access key, and uploads files to it.
package s3server

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/fluxconfig/fluxconfig/test/servers/tlsca"
	"github.com/fluxconfig/fluxconfig/test/servers/tree"
)

// Options choose how the server is served.
type Options struct {
	// AccessKey and SecretKey, when set, are the only credentials it accepts; unsigned
	// requests are refused too.
	AccessKey, SecretKey string
	// CA, when set, serves TLS with a certificate it signs.
	CA *tlsca.CA
}

// Server is a running S3-compatible server.
type Server struct {
	// Host is host:port, as a Bucket's endpoint names it.
	Host    string
	backend *s3mem.Backend
	server  *http.Server
}

// Start serves on a free port of 127.0.0.1 until Close.
func Start(opts Options) (*Server, error) {
	if (opts.AccessKey == "") != (opts.SecretKey == "") {
		return nil, errors.New("s3server: give both AccessKey and SecretKey, or neither")
	}
	backend := s3mem.New()
	handler := withLastModified(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server(), time.Now())
	if opts.AccessKey != "" {
		handler = requireSignature(handler, opts.AccessKey, opts.SecretKey)
	}
	host, server, err := tlsca.ServeLoopback(opts.CA, handler)
	if err != nil {
		return nil, err
	}
	return &Server{Host: host, backend: backend, server: server}, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.server.Close() }

// Put creates bucket if needed and writes files (key → content) into it; empty content
// deletes the key.
func (s *Server) Put(bucket string, files map[string]string) error {
	if err := s.backend.CreateBucket(bucket); err != nil && !gofakes3.HasErrorCode(err, gofakes3.ErrBucketAlreadyExists) {
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	for key, content := range files {
		if content == "" {
			if _, err := s.backend.DeleteObject(bucket, key); err != nil {
				return fmt.Errorf("delete %s/%s: %w", bucket, key, err)
			}
			continue
		}
		if _, err := s.backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader([]byte(content)), int64(len(content)), nil); err != nil {
			return fmt.Errorf("put %s/%s: %w", bucket, key, err)
		}
	}
	return nil
}

// UploadDir writes every regular file under dir into bucket, keyed by its slash path
// relative to dir.
func (s *Server) UploadDir(bucket, dir string) error {
	files, err := tree.Read(dir)
	if err != nil {
		return err
	}
	return s.Put(bucket, files)
}
