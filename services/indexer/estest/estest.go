// Package estest is an in-process Elasticsearch 8 double for tests, in the
// spirit of net/http/httptest.
//
// Elasticsearch cannot run in newsflow's test environment, so code that
// talks to it is tested against this double instead. The double is faithful
// to the wire, not to Lucene: it speaks the same HTTP API with the same
// response shapes as a real 8.x node (the X-Elastic-Product header the
// go-elasticsearch client checks, the root info document, per-item bulk
// results with _seq_no, _primary_term, _shards and typed errors), stores
// documents so tests can assert exactly-once by id, honours external
// versioning, applies the field types of the mappings it was given, and can
// inject the faults a real cluster produces: per-item 429 rejections, 5xx
// item failures, whole-request failures, slow answers and outages.
//
// With EnforceRole it also enforces an Elasticsearch role, answering what
// the role does not grant with 403 security_exception (security.go).
//
// It implements only what newsflow uses: GET /, HEAD/GET/PUT/DELETE of
// indices, PUT/GET _index_template, GET/POST _aliases and _alias, POST
// _bulk and {index}/_bulk, GET {index}/_doc/{id}, {index}/_mget (ids;
// mget.go), _count, _refresh, a
// small _search (match_all, term, terms, match, bool, ids; collapse; size),
// {index}/_update_by_query with ctx._source.<field> = params.<name>
// scripts (byquery.go), PUT/DELETE _security/role, PUT/GET/DELETE
// _security/user and POST _security/user/{name}/_password (users.go), and
// POST/DELETE _security/api_key. Like Elasticsearch it refuses a body whose
// Content-Type it cannot read (406) and an index template whose mappings
// name a field type that does not exist (400). Requests returns what was
// asked, in order, for tests of clients such as deploy/setup/setup.sh.
package estest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"
)

// Version is the Elasticsearch version the double claims to be.
const Version = "8.19.7"

// Faults are the failures the double injects. The zero value injects none.
type Faults struct {
	// Reject429 is the fraction of bulk items answered with 429
	// es_rejected_execution_exception, as a node whose write queue is full.
	Reject429 float64
	// Item5xx is the fraction of bulk items answered with a 503
	// unavailable_shards_exception (primary shard not active).
	Item5xx float64
	// FailRequests makes the next n bulk requests fail as a whole with a
	// 503 cluster_block_exception and no items.
	FailRequests int
	// FailItem, when set, is asked about every bulk item and may answer it
	// with an error of the caller's choosing instead of indexing it.
	FailItem func(index, id string, source []byte) *ItemError
	// Delay is added before every response.
	Delay time.Duration
	// Unavailable answers every request with 503 and a JSON error body, as
	// a node behind a load balancer that has lost its cluster.
	Unavailable bool
	// Reset closes every connection without an answer, as a crashing node.
	Reset bool
	// Forbid, when set, answers the requests it matches with 403
	// security_exception, as for a user whose role lacks the privilege.
	Forbid func(method, path string) bool
	// ByQueryConflicts makes the next n _update_by_query requests find
	// every matching document changed under them (a version conflict
	// each, nothing updated), as concurrent writes do.
	ByQueryConflicts int
}

// ItemError is an error for one bulk item, shaped like Elasticsearch's.
type ItemError struct {
	Status  int
	Type    string
	Reason  string
	Caused  *ItemError
	Details map[string]any
}

func (e *ItemError) body(index string) map[string]any {
	m := map[string]any{"type": e.Type, "reason": e.Reason}
	if index != "" {
		m["index"] = index
		m["index_uuid"] = uuidFor(index)
		m["shard"] = "0"
	}
	for k, v := range e.Details {
		m[k] = v
	}
	if e.Caused != nil {
		m["caused_by"] = e.Caused.body("")
	}
	return m
}

// Doc is a stored document.
type Doc struct {
	Index   string
	ID      string
	Version int64
	SeqNo   int64
	// Writes counts the successful index and create operations of this
	// id into this index (a bulk item each).
	Writes int
	// Updates counts the times an _update_by_query rewrote it.
	Updates int
	Source  json.RawMessage
}

type index struct {
	name     string
	uuid     string
	mappings map[string]any
	settings map[string]any
	docs     map[string]*Doc
	seqNo    int64
}

// Stats counts what the double has seen.
type Stats struct {
	// BulkRequests counts bulk requests, including failed ones.
	BulkRequests int
	// BulkItems counts bulk items received.
	BulkItems int
	// Rejected counts items answered with an injected 429 or 5xx.
	Rejected int
	// Conflicts counts items answered 409 version conflict.
	Conflicts int
	// Requests counts every HTTP request.
	Requests int
	// Forbidden counts requests and bulk items refused by the enforced
	// role (EnforceRole).
	Forbidden int
	// UpdateByQuery counts _update_by_query requests that ran.
	UpdateByQuery int
}

// Server is a running double. Create it with NewServer and Close it.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41233.
	URL string

	addr string
	srv  *httptest.Server

	mu        sync.Mutex
	faults    Faults
	indices   map[string]*index
	aliases   map[string]map[string]bool // alias -> indices
	templates map[string]json.RawMessage
	stats     Stats
	rnd       *rand.Rand
	// APIKey or basic credentials, when set, are required.
	apiKey, user, pass string
	// role, when set, is enforced on requests made with the configured
	// credentials (EnforceRole).
	role     *Role
	roleName string
	// roles, users and keys are made with the _security API.
	roles map[string]*Role
	users map[string]*User
	keys  map[string]*apiKeyGrant // by encoded key
	// log holds the first maxLogged requests answered.
	log []Request
}

// maxLogged bounds the request log, so a long load test holds no more
// than a few hundred kilobytes of it.
const maxLogged = 10000

// Request is one request the double answered, for tests that check what a
// client asked and in which order.
type Request struct {
	Method string
	Path   string
	// User is the basic-auth user name, "ApiKey" for an API key, and ""
	// for a request without credentials.
	User string
	// Status is the HTTP status answered; 0 for a connection reset.
	Status int
}

// String is "METHOD path".
func (r Request) String() string { return r.Method + " " + r.Path }

// NewServer starts a double on a random local port.
func NewServer() *Server {
	s := &Server{
		indices:   map[string]*index{},
		aliases:   map[string]map[string]bool{},
		templates: map[string]json.RawMessage{},
		roles:     map[string]*Role{},
		users:     map[string]*User{},
		keys:      map[string]*apiKeyGrant{},
		rnd:       rand.New(rand.NewPCG(1, 2)),
	}
	for _, name := range reservedUsers {
		s.users[name] = &User{Name: name, Reserved: true}
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	s.addr = s.srv.Listener.Addr().String()
	return s
}

// Close shuts the double down.
func (s *Server) Close() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.CloseClientConnections()
		srv.Close()
	}
}

// Stop closes the listener, so that clients get "connection refused" until
// Start is called. Stored documents survive.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.CloseClientConnections()
		srv.Close()
	}
}

// Start listens again on the same address after Stop.
func (s *Server) Start() error {
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("estest: listen again on %s: %w", s.addr, err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	return nil
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// RequireAPIKey makes every request need "Authorization: ApiKey key".
func (s *Server) RequireAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiKey = key
}

// RequireBasicAuth makes every request need these credentials.
func (s *Server) RequireBasicAuth(user, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.pass = user, pass
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Requests returns the first 10,000 requests answered, in order of arrival
// (Stats.Requests counts them all).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Doc returns the document stored under id in index.
func (s *Server) Doc(indexName, id string) (Doc, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix, ok := s.indices[indexName]
	if !ok {
		return Doc{}, false
	}
	d, ok := ix.docs[id]
	if !ok {
		return Doc{}, false
	}
	return *d, true
}

// Docs returns every document of the indices that name (an index, alias or
// pattern) resolves to, sorted by index then id.
func (s *Server) Docs(name string) []Doc {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Doc
	for _, ix := range s.resolve(name) {
		for _, d := range ix.docs {
			out = append(out, *d)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Index != out[j].Index {
			return out[i].Index < out[j].Index
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Indices returns the names of the existing indices, sorted.
func (s *Server) Indices() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for n := range s.indices {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// AliasIndices returns the indices an alias points to, sorted.
func (s *Server) AliasIndices(alias string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for n := range s.aliases[alias] {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Template returns the stored body of an index template.
func (s *Server) Template(name string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.templates[name]
	return t, ok
}

// CreateIndex creates an index with the given mappings (the value of
// "mappings" in a create-index body), as an operator would by hand.
func (s *Server) CreateIndex(name string, mappings map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.createLocked(name, map[string]any{"mappings": mappings}, false)
}

// statusWriter remembers the status answered, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Hijack lets the Reset fault close the connection.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("estest: %T cannot hijack", w.ResponseWriter)
	}
	return hj.Hijack()
}

func (s *Server) serve(rw http.ResponseWriter, r *http.Request) {
	w := &statusWriter{ResponseWriter: rw}
	defer func() {
		who := ""
		if u, _, ok := r.BasicAuth(); ok {
			who = u
		} else if scheme, _, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "ApiKey") {
			who = "ApiKey"
		}
		s.mu.Lock()
		if len(s.log) < maxLogged {
			s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, User: who, Status: w.status})
		}
		s.mu.Unlock()
	}()
	s.mu.Lock()
	s.stats.Requests++
	f := s.faults
	apiKey, user, pass := s.apiKey, s.user, s.pass
	s.mu.Unlock()

	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f.Reset {
		if conn, _, err := w.Hijack(); err == nil {
			conn.Close()
			return
		}
		panic(http.ErrAbortHandler)
	}
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	if ct := r.Header.Get("Content-Type"); r.ContentLength != 0 && !supportedContentType(ct) {
		// Elasticsearch's REST layer answers this before anything else,
		// with a bare string as the error.
		writeJSON(w, http.StatusNotAcceptable, map[string]any{
			"error": "Content-Type header [" + ct + "] is not supported", "status": http.StatusNotAcceptable})
		return
	}
	g, ok := s.authenticate(r, apiKey, user, pass)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="security" charset="UTF-8"`)
		writeError(w, http.StatusUnauthorized, "security_exception",
			"missing authentication credentials for REST request ["+r.URL.Path+"]", nil)
		return
	}
	if f.Forbid != nil && f.Forbid(r.Method, r.URL.Path) {
		writeError(w, http.StatusForbidden, "security_exception",
			fmt.Sprintf("action [%s %s] is unauthorized for user [newsflow] with effective roles [newsflow_indexer], this action is granted by the cluster privileges [manage_index_templates,manage,all]", r.Method, r.URL.Path), nil)
		return
	}
	if !s.authorize(w, r, g) {
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), grantKey{}, g))
	if f.Unavailable {
		writeError(w, http.StatusServiceUnavailable, "cluster_block_exception",
			"blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];", nil)
		return
	}
	s.route(w, r)
}

// supportedContentType reports whether Elasticsearch 8 reads a request
// body of this media type: JSON, NDJSON, SMILE, CBOR or YAML, plain or as
// the vnd.elasticsearch compatible-with types.
func supportedContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch strings.TrimPrefix(mt, "application/vnd.elasticsearch+") {
	case "application/json", "application/x-ndjson", "application/smile", "application/cbor", "application/yaml",
		"json", "x-ndjson", "smile", "cbor", "yaml":
		return true
	}
	return false
}

func authorized(r *http.Request, apiKey, user, pass string) bool {
	if apiKey == "" && user == "" {
		return true
	}
	// Elasticsearch reads the scheme case-insensitively; the Go client
	// sends "APIKey", the documentation says "ApiKey".
	if scheme, key, ok := strings.Cut(r.Header.Get("Authorization"), " "); apiKey != "" && ok &&
		strings.EqualFold(scheme, "ApiKey") && key == apiKey {
		return true
	}
	if user != "" {
		u, p, ok := r.BasicAuth()
		return ok && u == user && p == pass
	}
	return false
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) == 1 && parts[0] == "" {
		parts = nil
	}
	switch {
	case len(parts) == 0:
		s.root(w, r)
	case parts[0] == "_security":
		s.security(w, r, parts[1:])
	case parts[0] == "_bulk":
		s.bulk(w, r, "")
	case len(parts) == 2 && parts[1] == "_bulk":
		s.bulk(w, r, parts[0])
	case parts[0] == "_index_template":
		s.indexTemplate(w, r, parts[1:])
	case parts[0] == "_aliases" && r.Method == http.MethodPost:
		s.updateAliases(w, r)
	case parts[0] == "_alias" || (len(parts) >= 2 && parts[1] == "_alias"):
		s.getAlias(w, r, parts)
	case parts[0] == "_cluster" && len(parts) >= 2 && parts[1] == "health":
		writeJSON(w, http.StatusOK, map[string]any{"cluster_name": "estest", "status": "green",
			"timed_out": false, "number_of_nodes": 1, "number_of_data_nodes": 1})
	case parts[0] == "_search" || (len(parts) == 2 && parts[1] == "_search"):
		target := "_all"
		if len(parts) == 2 {
			target = parts[0]
		}
		s.search(w, r, target)
	case parts[0] == "_count" || (len(parts) == 2 && parts[1] == "_count"):
		target := "_all"
		if len(parts) == 2 {
			target = parts[0]
		}
		s.count(w, r, target)
	case parts[0] == "_refresh" || (len(parts) == 2 && parts[1] == "_refresh"):
		writeJSON(w, http.StatusOK, map[string]any{"_shards": shards()})
	case len(parts) == 2 && parts[1] == "_update_by_query":
		s.updateByQuery(w, r, parts[0])
	case len(parts) == 3 && parts[1] == "_doc":
		s.getDoc(w, r, parts[0], parts[2])
	case len(parts) == 2 && parts[1] == "_mget":
		s.mget(w, r, parts[0])
	case len(parts) == 2 && parts[1] == "_mapping":
		s.getMapping(w, r, parts[0])
	case len(parts) == 1 && !strings.HasPrefix(parts[0], "_"):
		s.indexAPI(w, r, parts[0])
	default:
		writeError(w, http.StatusBadRequest, "illegal_argument_exception",
			fmt.Sprintf("request [%s] contains unrecognized path [%s] (estest implements only what newsflow uses)", r.Method, r.URL.Path), nil)
	}
}

func (s *Server) root(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"name":         "estest-node-1",
		"cluster_name": "estest",
		"cluster_uuid": "nFZUcwgCS0OHxkX5Ra1mFw",
		"version": map[string]any{
			"number":                              Version,
			"build_flavor":                        "default",
			"build_type":                          "docker",
			"build_hash":                          "0000000000000000000000000000000000000000",
			"build_date":                          "2025-10-01T00:00:00.000000000Z",
			"build_snapshot":                      false,
			"lucene_version":                      "9.12.2",
			"minimum_wire_compatibility_version":  "7.17.0",
			"minimum_index_compatibility_version": "7.0.0",
		},
		"tagline": "You Know, for Search",
	})
}

func shards() map[string]any {
	return map[string]any{"total": 1, "successful": 1, "failed": 0}
}

// uuidFor gives an index a stable, uuid-looking identifier.
func uuidFor(name string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	h := uint64(1469598103934665603)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint64(name[i])) * 1099511628211
	}
	var b [22]byte
	for i := range b {
		b[i] = alphabet[h%64]
		h = h*6364136223846793005 + 1442695040888963407
	}
	return string(b[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// writeError answers with Elasticsearch's error envelope:
// {"error":{"root_cause":[...],"type":...,"reason":...},"status":N}.
func writeError(w http.ResponseWriter, status int, typ, reason string, extra map[string]any) {
	cause := map[string]any{"type": typ, "reason": reason}
	for k, v := range extra {
		cause[k] = v
	}
	body := map[string]any{"root_cause": []any{cause}, "type": typ, "reason": reason}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, status, map[string]any{"error": body, "status": status})
}
