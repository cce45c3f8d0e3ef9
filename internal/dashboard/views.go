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

package dashboard

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// apartRows is how many disconnected clusters the overview lists apart from the grid.
const apartRows = 10

type loginPage struct {
	common
	Error string
}

// common is what every signed-in page shows.
type common struct {
	Title   string
	Refresh int
	Now     time.Time
	Filter  Filter
	States  []string
	Pager   pager
}

type overviewPage struct {
	common
	Page    Page
	Columns []string
	Grid    []gridRow
}

// gridRow is a row of the overview with a cell per column, worked out here rather than in
// the template, where each lookup is a reflective call.
type gridRow struct {
	Row
	Cells []cell
}

type cell struct{ Cluster, Config, State string }

type configurationPage struct {
	common
	Name    string
	Page    Page
	Details []configDetail
}

type clusterPage struct {
	common
	Name         string
	Contact      ClusterContact
	Disconnected bool
	Configs      []configDetail
}

// filter reads the query string; a bad value is an error that names the parameter.
func (d *Dashboard) filter(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{State: q.Get("state"), Prefix: q.Get("q"), Page: 1, PageSize: d.opts.PageSize}
	if f.State != "" && f.State != Disconnected && !slices.Contains(states, f.State) {
		return f, fmt.Errorf("state must be one of %v or %s", states, Disconnected)
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return f, errors.New("page must be a whole number from 1")
		}
		f.Page = n
	}
	return f, nil
}

// cutoff is the time before which a last contact means Disconnected. Until the dashboard
// has watched for three poll intervals, nobody is: a restart forgets every last poll.
func (d *Dashboard) cutoff(now time.Time) time.Time {
	c := now.Add(-3 * d.opts.PollInterval)
	if d.started.After(c) {
		return time.Time{}
	}
	return c
}

func (d *Dashboard) common(r *http.Request, title string, f Filter, total int) common {
	return common{Title: title, Refresh: int(d.opts.Refresh / time.Second), Now: d.now(), Filter: f,
		States: append(slices.Clone(states), Disconnected), Pager: newPager(r.URL, f, total)}
}

func (d *Dashboard) overview(w http.ResponseWriter, r *http.Request) {
	f, err := d.filter(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	page := d.idx.fleet(f, "", d.cutoff(d.now()), apartRows)
	out := overviewPage{common: d.common(r, "Fleet", f, page.Total), Page: page, Columns: Columns(page.Rows)}
	for _, row := range page.Rows {
		g := gridRow{Row: row, Cells: make([]cell, len(out.Columns))}
		for i, config := range out.Columns {
			g.Cells[i] = cell{Cluster: row.Cluster, Config: config, State: row.States[config]}
		}
		out.Grid = append(out.Grid, g)
	}
	d.render(w, http.StatusOK, "overview", out)
}

func (d *Dashboard) configuration(w http.ResponseWriter, r *http.Request) {
	f, err := d.filter(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	name := r.PathValue("name")
	page := d.idx.fleet(f, name, d.cutoff(d.now()), 0)
	if page.Clusters == 0 && f.Prefix == "" {
		http.Error(w, "No cluster has a configuration named "+name+".", http.StatusNotFound)
		return
	}
	out := configurationPage{common: d.common(r, "Configuration "+name, f, page.Total), Name: name, Page: page}
	// Only the rows of this page are read from the store.
	for _, row := range page.Rows {
		rec, err := d.idx.Get(r.Context(), row.Cluster, name)
		if errors.Is(err, endpoint.ErrNotFound) {
			continue
		}
		if err != nil {
			d.internal(w, err)
			return
		}
		out.Details = append(out.Details, detail(rec, row.Disconnected))
	}
	d.render(w, http.StatusOK, "configuration", out)
}

func (d *Dashboard) cluster(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("cluster")
	contact, ok := d.idx.Contact(name)
	if !ok {
		http.Error(w, "The endpoint knows no cluster named "+name+".", http.StatusNotFound)
		return
	}
	recs, err := d.idx.List(r.Context(), name)
	if err != nil {
		d.internal(w, err)
		return
	}
	last := contact.LastPoll
	if contact.LastReport.After(last) {
		last = contact.LastReport
	}
	out := clusterPage{common: d.common(r, "Cluster "+name, Filter{Page: 1, PageSize: d.opts.PageSize}, 0), Name: name, Contact: contact,
		Disconnected: last.Before(d.cutoff(d.now()))}
	for _, rec := range recs {
		out.Configs = append(out.Configs, detail(rec, out.Disconnected))
	}
	// Worst first, as on the other pages.
	slices.SortStableFunc(out.Configs, func(a, b configDetail) int { return stateIndex(a.State) - stateIndex(b.State) })
	d.render(w, http.StatusOK, "cluster", out)
}

func (d *Dashboard) internal(w http.ResponseWriter, err error) {
	d.log.Error(err, "Dashboard page failed")
	http.Error(w, "The store could not be read; see the endpoint's log.", http.StatusInternalServerError)
}

// render executes a page into memory first, so a template error never sends half a page.
func (d *Dashboard) render(w http.ResponseWriter, code int, page string, data any) {
	var buf bytes.Buffer
	if err := d.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		d.log.Error(err, "Rendering a dashboard page failed", "page", page)
		http.Error(w, "The page could not be rendered; see the endpoint's log.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// pager links the neighbouring pages of a view, keeping its filter.
type pager struct {
	Page, Pages, Total, First, Last int
	Prev, Next                      string
}

func newPager(u *url.URL, f Filter, total int) pager {
	p := pager{Page: f.Page, Total: total, Pages: max(1, (total+f.PageSize-1)/f.PageSize)}
	p.First = min(total, (f.Page-1)*f.PageSize+1)
	p.Last = min(total, f.Page*f.PageSize)
	link := func(n int) string {
		q := u.Query()
		q.Set("page", strconv.Itoa(n))
		return u.Path + "?" + q.Encode()
	}
	if f.Page > 1 {
		p.Prev = link(min(f.Page-1, p.Pages))
	}
	if f.Page < p.Pages {
		p.Next = link(f.Page + 1)
	}
	return p
}

func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"stamp": stamp,
		"ago":   ago,
		"query": func(f Filter, state string) string {
			q := url.Values{}
			if state != "" {
				q.Set("state", state)
			}
			if f.Prefix != "" {
				q.Set("q", f.Prefix)
			}
			if len(q) == 0 {
				return ""
			}
			return "?" + q.Encode()
		},
		"cls": func(state string) string { return "s-" + state },
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"login", "overview", "configuration", "cluster"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+name+".html"))
	}
	return pages
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// ago says how long before now t was, to the second.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t).Round(time.Second)
	if d < 0 {
		d = 0
	}
	return d.String() + " ago"
}
