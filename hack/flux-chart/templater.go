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

package main

import (
	"fmt"
	"strconv"
	"strings"
)

// templater puts Helm template text into a YAML document: objects are edited as data and
// marshalled, with placeholder tokens where template text goes; expand swaps the tokens
// for the text, at the indentation the marshaller chose.
type templater struct {
	inlines map[string]string
	blocks  map[string][]string
}

func (t *templater) token() string {
	return fmt.Sprintf("zzfluxchart%dzz", len(t.inlines)+len(t.blocks))
}

// inline stands for template text within one line (a scalar value or list item).
func (t *templater) inline(text string) string {
	tok := t.token()
	if t.inlines == nil {
		t.inlines = map[string]string{}
	}
	t.inlines[tok] = text
	return tok
}

// block stands for whole lines: used as a map key or list item, they replace its line at
// its indentation; used as a map value, they go below the key, indented once more. A %d
// in a line becomes that indentation, for nindent.
func (t *templater) block(lines ...string) string {
	tok := t.token()
	if t.blocks == nil {
		t.blocks = map[string][]string{}
	}
	t.blocks[tok] = lines
	return tok
}

func (t *templater) expand(doc string) string {
	var out []string
	for _, line := range strings.Split(strings.TrimSuffix(doc, "\n"), "\n") {
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		if lines, ok := t.blockLine(trimmed); ok {
			out = append(out, indentLines(lines, indent)...)
			continue
		}
		if key, tok, ok := strings.Cut(trimmed, ": "); ok && t.blocks[tok] != nil {
			out = append(out, line[:indent]+key+":")
			out = append(out, indentLines(t.blocks[tok], indent+2)...)
			continue
		}
		for tok, text := range t.inlines {
			line = strings.ReplaceAll(line, tok, text)
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n") + "\n"
}

// blockLine reports the lines of a block standing alone on a line: `TOKEN: ""` or `- TOKEN`.
func (t *templater) blockLine(trimmed string) ([]string, bool) {
	tok := strings.TrimSuffix(strings.TrimPrefix(trimmed, "- "), `: ""`)
	lines, ok := t.blocks[tok]
	if ok && tok != trimmed {
		return lines, true
	}
	return nil, false
}

func indentLines(lines []string, indent int) []string {
	pad := strings.Repeat(" ", indent)
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = pad + strings.ReplaceAll(l, "%d", strconv.Itoa(indent))
	}
	return out
}
