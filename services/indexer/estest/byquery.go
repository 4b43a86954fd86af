package estest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// updateByQueryParams are the URL parameters the double accepts on
// _update_by_query; Elasticsearch answers any other with 400.
var updateByQueryParams = map[string]bool{"conflicts": true, "refresh": true, "wait_for_completion": true}

// assignment is the one script form the double runs:
// ctx._source.<field> = params.<name>, several separated by ';'.
var assignment = regexp.MustCompile(`^ctx\._source\.([A-Za-z_][A-Za-z0-9_]*)\s*=\s*params\.([A-Za-z_][A-Za-z0-9_]*)$`)

// knownParams answers 400 as Elasticsearch does, naming the unrecognized
// query parameters (and what the double implements), when r has any
// parameter not in allowed; it reports whether all were known.
func knownParams(w http.ResponseWriter, r *http.Request, allowed map[string]bool, implements string) bool {
	var unknown []string
	for k := range r.URL.Query() {
		if !allowed[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return true
	}
	sort.Strings(unknown)
	writeError(w, http.StatusBadRequest, "illegal_argument_exception",
		fmt.Sprintf("request [%s] contains unrecognized parameters: [%s] (estest implements %s)", r.URL.Path, strings.Join(unknown, "], ["), implements), nil)
	return false
}

// updateByQuery is POST /{index}/_update_by_query: every document the
// query matches is rewritten by the script with internal versioning
// (version + 1), each write authorized as a bulk index item. Answers as
// Elasticsearch 8 does with wait_for_completion=true: total, updated,
// version_conflicts (conflicts=proceed) or a 409 with the conflicts as
// failures (conflicts=abort, the default), and per-document failures.
// Faults.ByQueryConflicts makes matching documents look changed under
// the request, as a concurrent write does.
func (s *Server) updateByQuery(w http.ResponseWriter, r *http.Request, target string) {
	start := time.Now()
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "illegal_argument_exception", "_update_by_query needs POST", nil)
		return
	}
	q := r.URL.Query()
	if !knownParams(w, r, updateByQueryParams, "conflicts, refresh and wait_for_completion") {
		return
	}
	proceed := false
	switch c := q.Get("conflicts"); c {
	case "", "abort":
	case "proceed":
		proceed = true
	default:
		writeError(w, http.StatusBadRequest, "illegal_argument_exception",
			"conflicts may only be \"proceed\" or \"abort\" but was [\""+c+"\"]", nil)
		return
	}
	if q.Get("wait_for_completion") == "false" {
		writeError(w, http.StatusBadRequest, "illegal_argument_exception",
			"estest implements only wait_for_completion=true (no tasks API)", nil)
		return
	}
	body, ok := decodeBody(w, r)
	if !ok {
		return
	}
	for k := range body {
		if k != "query" && k != "script" {
			writeError(w, http.StatusBadRequest, "parsing_exception",
				"["+k+"] unknown field (estest implements query and script)", nil)
			return
		}
	}
	assign, err := parseScript(body["script"])
	if err != nil {
		writeError(w, http.StatusBadRequest, "script_exception", err.Error(), nil)
		return
	}
	g := grantOf(r)

	s.mu.Lock()
	defer s.mu.Unlock()
	targets := s.resolve(target)
	if len(targets) == 0 && !strings.Contains(target, "*") {
		writeIndexNotFound(w, target)
		return
	}
	total, updated, conflicts := 0, 0, 0
	var failures []any
	for _, ix := range targets {
		ids := make([]string, 0, len(ix.docs))
		for id := range ix.docs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			d := ix.docs[id]
			var src map[string]any
			dec := json.NewDecoder(bytes.NewReader(d.Source))
			dec.UseNumber()
			if dec.Decode(&src) != nil {
				continue
			}
			_, match, err := evalQuery(body["query"], ix.mappings, src, id)
			if err != nil {
				writeError(w, http.StatusBadRequest, "parsing_exception", err.Error(), nil)
				return
			}
			if !match {
				continue
			}
			total++
			if s.faults.ByQueryConflicts > 0 {
				conflicts++
				failures = append(failures, map[string]any{"index": ix.name, "id": id, "status": http.StatusConflict,
					"cause": (&ItemError{Type: "version_conflict_engine_exception",
						Reason: fmt.Sprintf("[%s]: version conflict, required seqNo [%d], primary term [1]. current document has seqNo [%d] and primary term [1]", id, d.SeqNo, ix.seqNo)}).body(ix.name)})
				continue
			}
			if e := g.itemDenied("index", ix.name, true); e != nil {
				s.stats.Forbidden++
				failures = append(failures, map[string]any{"index": ix.name, "id": id, "status": e.Status, "cause": e.body(ix.name)})
				continue
			}
			for field, param := range assign {
				src[field] = param
			}
			next, err := json.Marshal(src)
			if err != nil {
				failures = append(failures, map[string]any{"index": ix.name, "id": id, "status": http.StatusBadRequest,
					"cause": (&ItemError{Type: "illegal_argument_exception", Reason: err.Error()}).body(ix.name)})
				continue
			}
			var doc map[string]any
			dec = json.NewDecoder(bytes.NewReader(next))
			dec.UseNumber()
			dec.Decode(&doc)
			if e := checkDoc(ix, id, next, doc); e != nil {
				failures = append(failures, map[string]any{"index": ix.name, "id": id, "status": e.Status, "cause": e.body(ix.name)})
				continue
			}
			ix.docs[id] = &Doc{Index: ix.name, ID: id, Version: d.Version + 1, SeqNo: ix.seqNo, Writes: d.Writes, Updates: d.Updates + 1, Source: next}
			ix.seqNo++
			updated++
		}
	}
	if s.faults.ByQueryConflicts > 0 {
		s.faults.ByQueryConflicts--
	}
	s.stats.UpdateByQuery++
	// With conflicts=proceed, conflicts are counted, not failures.
	status := http.StatusOK
	if proceed {
		kept := failures[:0]
		for _, f := range failures {
			if f.(map[string]any)["status"] != http.StatusConflict {
				kept = append(kept, f)
			}
		}
		failures = kept
	} else if conflicts > 0 {
		status = http.StatusConflict
	}
	if failures == nil {
		failures = []any{}
	}
	batches := 0
	if total > 0 {
		batches = (total + 999) / 1000
	}
	writeJSON(w, status, map[string]any{
		"took": time.Since(start).Milliseconds(), "timed_out": false, "total": total, "updated": updated,
		"deleted": 0, "batches": batches, "version_conflicts": conflicts, "noops": 0,
		"retries": map[string]any{"bulk": 0, "search": 0}, "throttled_millis": 0,
		"requests_per_second": -1.0, "throttled_until_millis": 0, "failures": failures,
	})
}

// parseScript reads an update script: the field each assignment sets and
// the parameter's value. Anything but ctx._source.<field> =
// params.<name> statements in painless is refused, as the double cannot
// run it.
func parseScript(v any) (map[string]any, error) {
	script, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("estest needs a script object {source, lang, params}")
	}
	if lang, _ := script["lang"].(string); lang != "" && lang != "painless" {
		return nil, fmt.Errorf("script_lang not supported [%s]", lang)
	}
	source, _ := script["source"].(string)
	params, _ := script["params"].(map[string]any)
	out := map[string]any{}
	for _, stmt := range strings.Split(source, ";") {
		stmt = strings.TrimSpace(stmt)
		if stmt == "" {
			continue
		}
		m := assignment.FindStringSubmatch(stmt)
		if m == nil {
			return nil, fmt.Errorf("compile error: estest runs only ctx._source.<field> = params.<name> statements, not [%s]", stmt)
		}
		p, ok := params[m[2]]
		if !ok {
			return nil, fmt.Errorf("runtime error: params.%s is null (no such parameter)", m[2])
		}
		out[m[1]] = p
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("compile error: empty script")
	}
	return out, nil
}
