package estest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// mgetParams are the query parameters _mget takes here: realtime (the
// double is always realtime) and _source_includes (top-level fields).
var mgetParams = map[string]bool{"realtime": true, "_source_includes": true}

// mget is GET or POST /{index}/_mget with {"ids": [...]}: each id's stored
// document, as GET /{index}/_doc/{id} gives it, in the order asked. A
// missing index is a per-document index_not_found_exception, as
// Elasticsearch answers (the request itself succeeds).
func (s *Server) mget(w http.ResponseWriter, r *http.Request, target string) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "illegal_argument_exception", "_mget needs GET or POST", nil)
		return
	}
	q := r.URL.Query()
	if !knownParams(w, r, mgetParams, "realtime and _source_includes") {
		return
	}
	var includes []string
	if v := q.Get("_source_includes"); v != "" {
		includes = strings.Split(v, ",")
	}
	body, ok := decodeBody(w, r)
	if !ok {
		return
	}
	raw, ok := body["ids"].([]any)
	if !ok || len(raw) == 0 {
		writeError(w, http.StatusBadRequest, "action_request_validation_exception", "Validation Failed: 1: no documents to get;", nil)
		return
	}
	s.mu.Lock()
	indices := s.resolve(target)
	docs := make([]map[string]any, 0, len(raw))
	for _, v := range raw {
		id, _ := v.(string)
		if len(indices) == 0 {
			docs = append(docs, map[string]any{"_index": target, "_id": id, "error": map[string]any{
				"type": "index_not_found_exception", "reason": "no such index [" + target + "]",
				"index": target, "resource.type": "index_expression", "resource.id": target}})
			continue
		}
		var found *Doc
		for _, ix := range indices {
			if d, ok := ix.docs[id]; ok {
				found = d
			}
		}
		if found == nil {
			docs = append(docs, map[string]any{"_index": indices[0].name, "_id": id, "found": false})
			continue
		}
		docs = append(docs, map[string]any{"_index": found.Index, "_id": found.ID, "_version": found.Version,
			"_seq_no": found.SeqNo, "_primary_term": 1, "found": true, "_source": sourceIncluding(found.Source, includes)})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"docs": docs})
}

// sourceIncluding keeps the top-level fields named in includes (all of
// them when it is empty).
func sourceIncluding(source json.RawMessage, includes []string) any {
	if len(includes) == 0 {
		return source
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(source, &all); err != nil {
		return source
	}
	out := map[string]json.RawMessage{}
	for _, f := range includes {
		if v, ok := all[f]; ok {
			out[f] = v
		}
	}
	return out
}
