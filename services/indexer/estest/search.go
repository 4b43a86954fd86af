package estest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

type hit struct {
	doc    *Doc
	source map[string]any
	score  float64
}

// search is a small _search: enough query DSL for contract tests (not a
// relevance model: a match scores the number of query tokens found).
func (s *Server) search(w http.ResponseWriter, r *http.Request, target string) {
	body, ok := decodeBody(w, r)
	if !ok {
		return
	}
	hits, err := s.matching(target, body["query"])
	if err != nil {
		writeError(w, http.StatusBadRequest, "parsing_exception", err.Error(), nil)
		return
	}
	total := len(hits)
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return hits[i].doc.ID < hits[j].doc.ID
	})
	var collapseField string
	if c, ok := body["collapse"].(map[string]any); ok {
		collapseField, _ = c["field"].(string)
	}
	if collapseField != "" {
		seen := map[string]bool{}
		kept := hits[:0]
		for _, h := range hits {
			v := fmt.Sprint(lookup(h.source, collapseField))
			if seen[v] {
				continue
			}
			seen[v] = true
			kept = append(kept, h)
		}
		hits = kept
	}
	size, from := 10, 0
	if n, ok := num(body["size"]); ok {
		size = int(n)
	}
	if n, ok := num(body["from"]); ok {
		from = int(n)
	}
	if from > len(hits) {
		from = len(hits)
	}
	hits = hits[from:]
	if size < len(hits) {
		hits = hits[:size]
	}
	out := make([]any, 0, len(hits))
	maxScore := 0.0
	for _, h := range hits {
		m := map[string]any{"_index": h.doc.Index, "_id": h.doc.ID, "_score": h.score, "_source": h.doc.Source}
		if collapseField != "" {
			m["fields"] = map[string]any{collapseField: []any{lookup(h.source, collapseField)}}
		}
		out = append(out, m)
		if h.score > maxScore {
			maxScore = h.score
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"took": 1, "timed_out": false,
		"_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0},
		"hits": map[string]any{
			"total":     map[string]any{"value": total, "relation": "eq"},
			"max_score": maxScore,
			"hits":      out,
		},
	})
}

func (s *Server) count(w http.ResponseWriter, r *http.Request, target string) {
	body, ok := decodeBody(w, r)
	if !ok {
		return
	}
	hits, err := s.matching(target, body["query"])
	if err != nil {
		writeError(w, http.StatusBadRequest, "parsing_exception", err.Error(), nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(hits),
		"_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0}})
}

func (s *Server) matching(target string, query any) ([]hit, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []hit
	for _, ix := range s.resolve(target) {
		for _, d := range ix.docs {
			var src map[string]any
			dec := json.NewDecoder(bytes.NewReader(d.Source))
			dec.UseNumber()
			if dec.Decode(&src) != nil {
				continue
			}
			score, ok, err := evalQuery(query, ix.mappings, src, d.ID)
			if err != nil {
				return nil, err
			}
			if ok {
				hits = append(hits, hit{doc: d, source: src, score: score})
			}
		}
	}
	return hits, nil
}

// lookup reads a dotted field, treating "x.keyword" as x.
func lookup(src map[string]any, field string) any {
	field = strings.TrimSuffix(field, ".keyword")
	var cur any = src
	for _, p := range strings.Split(field, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func values(v any) []string {
	if v == nil {
		return nil
	}
	if list, ok := v.([]any); ok {
		var out []string
		for _, x := range list {
			out = append(out, values(x)...)
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}

func one(m map[string]any) (string, any, bool) {
	if len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		return k, v, true
	}
	return "", nil, false
}

// evalQuery evaluates query q on a document of an index with these
// mappings (which say how match queries analyze each field).
func evalQuery(q any, mappings, src map[string]any, id string) (float64, bool, error) {
	if q == nil {
		return 1, true, nil
	}
	m, ok := q.(map[string]any)
	if !ok {
		return 0, false, fmt.Errorf("query must be an object")
	}
	kind, spec, ok := one(m)
	if !ok {
		return 0, false, fmt.Errorf("[_na] query malformed, must start with start_object")
	}
	switch kind {
	case "match_all":
		return 1, true, nil
	case "ids":
		sm, _ := spec.(map[string]any)
		for _, v := range values(sm["values"]) {
			if v == id {
				return 1, true, nil
			}
		}
		return 0, false, nil
	case "term", "terms":
		sm, _ := spec.(map[string]any)
		field, want, ok := one(sm)
		if !ok {
			return 0, false, fmt.Errorf("[%s] query malformed", kind)
		}
		if wm, ok := want.(map[string]any); ok {
			want = wm["value"]
		}
		wants := values(want)
		for _, got := range values(lookup(src, field)) {
			for _, w := range wants {
				if got == w {
					return 1, true, nil
				}
			}
		}
		return 0, false, nil
	case "match", "multi_match":
		sm, _ := spec.(map[string]any)
		var fields []string
		var text string
		if kind == "match" {
			field, v, ok := one(sm)
			if !ok {
				return 0, false, fmt.Errorf("[match] query malformed")
			}
			fields = []string{field}
			if vm, ok := v.(map[string]any); ok {
				v = vm["query"]
			}
			text = fmt.Sprint(v)
		} else {
			text = fmt.Sprint(sm["query"])
			for _, f := range values(sm["fields"]) {
				fields = append(fields, strings.SplitN(f, "^", 2)[0])
			}
		}
		// Each field analyzes the query text its own way, as
		// Elasticsearch does; the score is the best field's count of the
		// query's terms found (multi_match's default, best_fields).
		score := 0.0
		for _, f := range fields {
			analyze := analyzerFor(mappings, f)
			have := map[string]bool{}
			for _, v := range values(lookup(src, f)) {
				for _, t := range analyze(v) {
					have[t] = true
				}
			}
			found := 0.0
			for _, t := range analyze(text) {
				if have[t] {
					found++
				}
			}
			score = max(score, found)
		}
		return score, score > 0, nil
	case "bool":
		sm, _ := spec.(map[string]any)
		list := func(k string) []any {
			switch x := sm[k].(type) {
			case []any:
				return x
			case map[string]any:
				return []any{x}
			}
			return nil
		}
		score := 0.0
		for _, c := range append(list("must"), list("filter")...) {
			sc, ok, err := evalQuery(c, mappings, src, id)
			if err != nil || !ok {
				return 0, false, err
			}
			score += sc
		}
		for _, c := range list("must_not") {
			_, ok, err := evalQuery(c, mappings, src, id)
			if err != nil || ok {
				return 0, false, err
			}
		}
		should := list("should")
		matched := 0
		for _, c := range should {
			sc, ok, err := evalQuery(c, mappings, src, id)
			if err != nil {
				return 0, false, err
			}
			if ok {
				matched++
				score += sc
			}
		}
		if len(should) > 0 && len(list("must"))+len(list("filter")) == 0 && matched == 0 {
			return 0, false, nil
		}
		if score == 0 {
			score = 1
		}
		return score, true, nil
	}
	return 0, false, fmt.Errorf("unknown query [%s] (estest implements match_all, ids, term, terms, match, multi_match, bool)", kind)
}
