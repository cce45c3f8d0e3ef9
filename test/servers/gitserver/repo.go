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

// Package gitserver serves bare git repositories on 127.0.0.1 over smart HTTP(S), through
// `git http-backend`, and over SSH with public-key authentication, through
// `git-upload-pack`. It is used in-process by the e2e suite and by hack/devenv.
package gitserver

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Repos is a directory of bare repositories, each with a work tree the test commits into.
type Repos struct {
	root string
	mu   sync.Mutex
}

// NewRepos keeps its repositories under dir.
func NewRepos(dir string) *Repos {
	return &Repos{root: dir}
}

// Root is the directory holding the bare repositories, named <name>.git.
func (r *Repos) Root() string { return r.root }

// Commit writes files (path → content; empty content deletes the file) into the work tree of
// repository name on branch main, commits and pushes them, and returns the commit id.
// The repository is created on first use.
func (r *Repos) Commit(name, message string, files map[string]string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	bare := filepath.Join(r.root, name+".git")
	work := filepath.Join(r.root, "work", name)
	if _, err := os.Stat(bare); os.IsNotExist(err) {
		if err := initRepo(bare, work); err != nil {
			return "", err
		}
	}
	for path, content := range files {
		full := filepath.Join(work, filepath.FromSlash(path))
		if content == "" {
			if err := os.Remove(full); err != nil && !os.IsNotExist(err) {
				return "", err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	for _, args := range [][]string{{"add", "-A"}, {"commit", "-q", "--allow-empty", "-m", message}, {"push", "-q", "origin", "main"}} {
		if _, err := git(work, args...); err != nil {
			return "", err
		}
	}
	return git(work, "rev-parse", "HEAD")
}

func initRepo(bare, work string) error {
	if _, err := git("", "init", "-q", "--bare", "-b", "main", bare); err != nil {
		return err
	}
	if _, err := git("", "init", "-q", "-b", "main", work); err != nil {
		return err
	}
	_, err := git(work, "remote", "add", "origin", bare)
	return err
}

// git runs one git command with a fixed identity and no user or system configuration.
func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=e2e", "GIT_AUTHOR_EMAIL=e2e@127.0.0.1",
		"GIT_COMMITTER_NAME=e2e", "GIT_COMMITTER_EMAIL=e2e@127.0.0.1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// Tag points tag at the current head of repository name's main branch and pushes it.
func (r *Repos) Tag(name, tag string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	work := filepath.Join(r.root, "work", name)
	if _, err := git(work, "tag", "-f", tag); err != nil {
		return err
	}
	_, err := git(work, "push", "-q", "-f", "origin", "refs/tags/"+tag)
	return err
}
