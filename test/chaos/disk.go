//go:build chaos

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

package chaos

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// storeDisk is the filesystem of the endpoint's store: a 64 MiB tmpfs that a filler file
// can bring to ENOSPC. Where tmpfs cannot be mounted (not root, no CAP_SYS_ADMIN), the
// store lives on the ordinary disk and the full-disk fault is not injected; the report
// says why.
type storeDisk struct {
	dir         string
	mounted     bool
	unavailable string // why the fault cannot be injected; empty when it can
}

func newStoreDisk(dir string, cp *controlPlane) (*storeDisk, error) {
	d := &storeDisk{dir: dir}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64m,mode=0700"); err != nil {
		d.unavailable = fmt.Sprintf("mounting a tmpfs on %s failed (%v); the store is on the ordinary disk", dir, err)
		return d, nil
	}
	d.mounted = true
	cp.addMount(dir)
	return d, nil
}

func (d *storeDisk) filler() string { return filepath.Join(d.dir, "filler") }

// fill writes the filler until the filesystem answers ENOSPC.
func (d *storeDisk) fill() error {
	f, err := os.OpenFile(d.filler(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return nil
			}
			return err
		}
	}
}

// free removes the filler.
func (d *storeDisk) free() error {
	err := os.Remove(d.filler())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
