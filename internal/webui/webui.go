// Package webui is the analyst's web UI that `newsflow run` and
// `newsflow serve` answer on their HTTP address: search with a histogram
// over time, facets and filter chips; an article with its entities, its
// cleanup record and its copies; the stories, biggest first; a story; a
// map of the places of a search; the pipeline's backlog, live; and an
// export of a search.
//
// Pages are rendered on the server with html/template, so search and
// reading work without JavaScript; state lives in the URL, so every view
// can be bookmarked and shared. Small scripts add the chart's drag to
// narrow the dates, the map (d3-geo and a TopoJSON world, vendored) and
// the live pipeline (server-sent events). Templates and assets are
// embedded in the binary, and a strict Content-Security-Policy makes sure
// nothing loads from another host.
package webui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/search"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// ContentSecurityPolicy is sent with every page: scripts, styles, data and
// images from this server only, no inline script, no frames.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Options are what the UI reads from.
type Options struct {
	// Index is the search index the pages read.
	Index *bleveindex.Index
	// Articles runs the pages' searches over Index; nil for a
	// search.ForIndex(Index) of the Server's own. A process that also
	// serves the HTTP API passes the API's, so that both share what
	// searches keep of the index.
	Articles search.Searcher
	// Pipeline reports the stages' backlog for the pipeline page; nil
	// when no pipeline can be read (the page says so).
	Pipeline Pipeline
	// Stories is the story index: the story list reads it, and a story
	// page takes the story's title and representative report from it and
	// follows its merges. Nil when the data folder has none (written
	// before stories existed): the list says so, and a story page is
	// drawn from its articles alone.
	Stories *bleveindex.Stories
	Log     *zap.Logger
}

// Server serves the pages. Mount adds its routes to a mux.
type Server struct {
	opts   Options
	pages  map[string]*template.Template
	assets map[string]*asset
	rates  rateMemory
	// stop ends the event streams (Stop), so that an HTTP server's
	// Shutdown does not wait for a browser to leave the pipeline page.
	stop     chan struct{}
	stopOnce sync.Once
}

type asset struct {
	body, gz    []byte
	contentType string
	version     string
}

// New parses the templates and loads the assets.
func New(opts Options) (*Server, error) {
	if opts.Index == nil {
		return nil, fmt.Errorf("webui: no index")
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	if opts.Articles == nil {
		opts.Articles = search.ForIndex(opts.Index)
	}
	s := &Server{opts: opts, assets: map[string]*asset{}, pages: map[string]*template.Template{}, stop: make(chan struct{})}
	if err := s.loadAssets(); err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"asset":  s.assetURL,
		"date":   formatDate,
		"day":    formatDay,
		"number": formatNumber,
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("webui templates: %w", err)
	}
	for _, name := range []string{"search", "article", "stories", "story", "map", "pipeline", "error"} {
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("webui template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return s, nil
}

// Mount adds the UI's routes with handle (a ServeMux's Handle, or the
// stage runtime's).
func (s *Server) Mount(handle func(pattern string, h http.Handler)) {
	handle("GET /{$}", s.page(s.searchPage))
	handle("GET /articles/{id}", s.page(s.articlePage))
	handle("GET /stories", s.page(s.storiesPage))
	handle("GET /stories/{id}", s.page(s.storyPage))
	handle("GET /map", s.page(s.mapPage))
	handle("GET /pipeline", s.page(s.pipelinePage))
	handle("GET /pipeline/events", http.HandlerFunc(s.pipelineEvents))
	handle("GET /export.csv", http.HandlerFunc(s.exportCSV))
	handle("GET /export.jsonl", http.HandlerFunc(s.exportJSONL))
	handle("GET /static/", http.HandlerFunc(s.serveAsset))
}

// Stop ends the open event streams; register it with the HTTP server's
// RegisterOnShutdown.
func (s *Server) Stop() { s.stopOnce.Do(func() { close(s.stop) }) }

// Handler returns a mux with the UI's routes alone.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.Mount(mux.Handle)
	return mux
}

// view is what a page handler hands to its template.
type view struct {
	// Page names the template; Title is the document title.
	Page, Title string
	// Nav marks the active item of the navigation.
	Nav string
	// Query is the search box's text (kept on every page).
	Query string
	Data  any
	// Status is the HTTP status, 200 when zero.
	Status int
	// Redirect, when set, sends the browser there (301) instead of a page:
	// a merged story's page moves to the story it was merged into.
	Redirect string
}

// page adapts a page handler: it sets the security headers, renders the
// view's template into a buffer (so a template error is a clean 500) and
// sends it compressed when the client accepts gzip.
func (s *Server) page(h func(r *http.Request) (view, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		v, err := h(r)
		if err != nil {
			if r.Context().Err() != nil {
				return // the client left
			}
			v = s.errorView(r, err)
		}
		if v.Redirect != "" {
			http.Redirect(w, r, v.Redirect, http.StatusMovedPermanently)
			return
		}
		var buf bytes.Buffer
		if err := s.pages[v.Page].ExecuteTemplate(&buf, "layout.html", v); err != nil {
			s.opts.Log.Error("render page", zap.String("page", v.Page), zap.Error(err))
			http.Error(w, "page failed to render", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		writeMaybeGzip(w, r, max(v.Status, http.StatusOK), buf.Bytes())
	})
}

func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return zw
}}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

func writeMaybeGzip(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	w.Header().Add("Vary", "Accept-Encoding")
	if !acceptsGzip(r) || len(body) < 512 {
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	w.WriteHeader(status)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(w)
	_, _ = zw.Write(body)
	_ = zw.Close()
	gzipWriters.Put(zw)
}

// loadAssets reads every embedded asset, with its gzip form and a content
// hash that versions its URL.
func (s *Server) loadAssets() error {
	return fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Base(p) == "LICENSE" {
			return err
		}
		body, err := assetFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		a := &asset{body: body, version: hex.EncodeToString(sum[:6])}
		a.contentType = mime.TypeByExtension(path.Ext(p))
		if a.contentType == "" {
			a.contentType = "application/octet-stream"
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		_, _ = zw.Write(body)
		if err := zw.Close(); err != nil {
			return err
		}
		a.gz = gz.Bytes()
		s.assets[strings.TrimPrefix(p, "assets/")] = a
		return nil
	})
}

// assetURL is the versioned URL of an embedded asset; a template naming
// an asset that does not exist fails to render.
func (s *Server) assetURL(name string) (string, error) {
	a, ok := s.assets[name]
	if !ok {
		return "", fmt.Errorf("no asset %q", name)
	}
	return "/static/" + name + "?v=" + a.version, nil
}

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets[strings.TrimPrefix(r.URL.Path, "/static/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("ETag", `"`+a.version+`"`)
	if r.URL.Query().Get("v") == a.version {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	if r.Header.Get("If-None-Match") == `"`+a.version+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(a.gz)
		return
	}
	_, _ = w.Write(a.body)
}
