package estest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strings"
)

// matchPattern reports whether name matches an Elasticsearch index pattern
// such as "newsflow-articles-*" (only * is special).
func matchPattern(pattern, name string) bool {
	ok, err := path.Match(strings.ReplaceAll(pattern, "?", `\?`), name)
	return err == nil && ok
}

// resolve turns an index expression (names, aliases, wildcards, commas,
// _all) into existing indices. Call with s.mu held.
func (s *Server) resolve(expr string) []*index {
	seen := map[string]bool{}
	var out []*index
	add := func(n string) {
		if ix, ok := s.indices[n]; ok && !seen[n] {
			seen[n] = true
			out = append(out, ix)
		}
	}
	for _, part := range strings.Split(expr, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "_all" || part == "*" || part == "":
			for n := range s.indices {
				add(n)
			}
		case strings.Contains(part, "*"):
			for n := range s.indices {
				if matchPattern(part, n) {
					add(n)
				}
			}
			for a, members := range s.aliases {
				if matchPattern(part, a) {
					for n := range members {
						add(n)
					}
				}
			}
		default:
			add(part)
			for n := range s.aliases[part] {
				add(n)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// createLocked creates an index, applying the highest-priority matching
// composable template, then the request body. Call with s.mu held.
func (s *Server) createLocked(name string, body map[string]any, withTemplates bool) *index {
	ix := &index{name: name, uuid: uuidFor(name), docs: map[string]*Doc{},
		mappings: map[string]any{}, settings: map[string]any{}}
	aliases := map[string]any{}
	if withTemplates {
		if tpl := s.matchingTemplate(name); tpl != nil {
			if t, ok := tpl["template"].(map[string]any); ok {
				if m, ok := t["mappings"].(map[string]any); ok {
					ix.mappings = deepCopy(m)
				}
				if st, ok := t["settings"].(map[string]any); ok {
					ix.settings = deepCopy(st)
				}
				if a, ok := t["aliases"].(map[string]any); ok {
					for k, v := range a {
						aliases[k] = v
					}
				}
			}
		}
	}
	if m, ok := body["mappings"].(map[string]any); ok {
		mergeMappings(ix.mappings, m)
	}
	if st, ok := body["settings"].(map[string]any); ok {
		for k, v := range st {
			ix.settings[k] = v
		}
	}
	if a, ok := body["aliases"].(map[string]any); ok {
		for k, v := range a {
			aliases[k] = v
		}
	}
	s.indices[name] = ix
	for a := range aliases {
		if s.aliases[a] == nil {
			s.aliases[a] = map[string]bool{}
		}
		s.aliases[a][name] = true
	}
	return ix
}

func (s *Server) matchingTemplate(name string) map[string]any {
	var best map[string]any
	bestPrio := -1.0
	for _, raw := range s.templates {
		var t map[string]any
		if json.Unmarshal(raw, &t) != nil {
			continue
		}
		patterns, _ := t["index_patterns"].([]any)
		if p, ok := t["index_patterns"].(string); ok {
			patterns = []any{p}
		}
		match := false
		for _, p := range patterns {
			if ps, ok := p.(string); ok && matchPattern(ps, name) {
				match = true
			}
		}
		if !match {
			continue
		}
		prio, _ := t["priority"].(float64)
		if prio > bestPrio {
			best, bestPrio = t, prio
		}
	}
	return best
}

func mergeMappings(dst, src map[string]any) {
	for k, v := range src {
		if k == "properties" {
			dp, _ := dst["properties"].(map[string]any)
			if dp == nil {
				dp = map[string]any{}
				dst["properties"] = dp
			}
			sp, _ := v.(map[string]any)
			for f, def := range sp {
				dp[f] = def
			}
			continue
		}
		dst[k] = v
	}
}

func deepCopy(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

func readBody(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	return io.ReadAll(r.Body)
}

func decodeBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	b, err := readBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "parse_exception", "request body is required", nil)
		return nil, false
	}
	m := map[string]any{}
	if len(strings.TrimSpace(string(b))) == 0 {
		return m, true
	}
	if err := json.Unmarshal(b, &m); err != nil {
		writeError(w, http.StatusBadRequest, "x_content_parse_exception", "[1:1] "+err.Error(), nil)
		return nil, false
	}
	return m, true
}

// indexAPI is HEAD/GET/PUT/DELETE /{index}.
func (s *Server) indexAPI(w http.ResponseWriter, r *http.Request, name string) {
	switch r.Method {
	case http.MethodHead:
		s.mu.Lock()
		n := len(s.resolve(name))
		s.mu.Unlock()
		if n == 0 {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	case http.MethodGet:
		s.mu.Lock()
		out := map[string]any{}
		for _, ix := range s.resolve(name) {
			out[ix.name] = map[string]any{"aliases": s.aliasesOfLocked(ix.name),
				"mappings": ix.mappings, "settings": map[string]any{"index": ix.settings}}
		}
		s.mu.Unlock()
		if len(out) == 0 && !strings.Contains(name, "*") {
			writeIndexNotFound(w, name)
			return
		}
		writeJSON(w, http.StatusOK, out)
	case http.MethodPut:
		body, ok := decodeBody(w, r)
		if !ok {
			return
		}
		if name != strings.ToLower(name) {
			writeError(w, http.StatusBadRequest, "invalid_index_name_exception",
				fmt.Sprintf("Invalid index name [%s], must be lowercase", name), map[string]any{"index": name, "index_uuid": "_na_"})
			return
		}
		s.mu.Lock()
		_, exists := s.indices[name]
		if !exists {
			s.createLocked(name, body, true)
		}
		s.mu.Unlock()
		if exists {
			writeError(w, http.StatusBadRequest, "resource_already_exists_exception",
				fmt.Sprintf("index [%s/%s] already exists", name, uuidFor(name)),
				map[string]any{"index": name, "index_uuid": uuidFor(name)})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true, "shards_acknowledged": true, "index": name})
	case http.MethodDelete:
		s.mu.Lock()
		found := s.resolve(name)
		for _, ix := range found {
			delete(s.indices, ix.name)
			for _, members := range s.aliases {
				delete(members, ix.name)
			}
		}
		s.mu.Unlock()
		if len(found) == 0 {
			writeIndexNotFound(w, name)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
	default:
		writeError(w, http.StatusMethodNotAllowed, "illegal_argument_exception", "method not allowed", nil)
	}
}

func writeIndexNotFound(w http.ResponseWriter, name string) {
	writeError(w, http.StatusNotFound, "index_not_found_exception", "no such index ["+name+"]",
		map[string]any{"resource.type": "index_or_alias", "resource.id": name, "index_uuid": "_na_", "index": name})
}

func (s *Server) aliasesOfLocked(indexName string) map[string]any {
	out := map[string]any{}
	for a, members := range s.aliases {
		if members[indexName] {
			out[a] = map[string]any{}
		}
	}
	return out
}

func (s *Server) getMapping(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	out := map[string]any{}
	for _, ix := range s.resolve(name) {
		out[ix.name] = map[string]any{"mappings": ix.mappings}
	}
	s.mu.Unlock()
	if len(out) == 0 {
		writeIndexNotFound(w, name)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// indexTemplate is PUT/GET/HEAD/DELETE /_index_template/{name}.
func (s *Server) indexTemplate(w http.ResponseWriter, r *http.Request, rest []string) {
	name := ""
	if len(rest) > 0 {
		name = rest[0]
	}
	switch r.Method {
	case http.MethodPut, http.MethodPost:
		b, err := readBody(r)
		if err != nil || name == "" {
			writeError(w, http.StatusBadRequest, "parse_exception", "request body and template name are required", nil)
			return
		}
		var t map[string]any
		if err := json.Unmarshal(b, &t); err != nil {
			writeError(w, http.StatusBadRequest, "x_content_parse_exception", "[1:1] "+err.Error(), nil)
			return
		}
		if _, ok := t["index_patterns"]; !ok {
			writeError(w, http.StatusBadRequest, "action_request_validation_exception",
				"Validation Failed: 1: index patterns are missing;", nil)
			return
		}
		if field, typ, ok := unknownFieldType(t); ok {
			writeError(w, http.StatusBadRequest, "illegal_argument_exception",
				"composable template ["+name+"] template after composition is invalid",
				map[string]any{"caused_by": map[string]any{"type": "illegal_argument_exception",
					"reason": "invalid composite mappings for [" + name + "]",
					"caused_by": map[string]any{"type": "mapper_parsing_exception",
						"reason": "Failed to parse mapping: No handler for type [" + typ + "] declared on field [" + field + "]"}}})
			return
		}
		s.mu.Lock()
		_, exists := s.templates[name]
		if r.URL.Query().Get("create") == "true" && exists {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "illegal_argument_exception",
				"index template ["+name+"] already exists", nil)
			return
		}
		s.templates[name] = b
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
	case http.MethodGet, http.MethodHead:
		s.mu.Lock()
		var list []any
		for n, raw := range s.templates {
			if name != "" && !matchPattern(name, n) {
				continue
			}
			var t map[string]any
			json.Unmarshal(raw, &t)
			list = append(list, map[string]any{"name": n, "index_template": t})
		}
		s.mu.Unlock()
		if len(list) == 0 && name != "" {
			if r.Method == http.MethodHead {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			writeError(w, http.StatusNotFound, "resource_not_found_exception",
				"index template matching ["+name+"] not found", nil)
			return
		}
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusOK)
			return
		}
		if list == nil {
			list = []any{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"index_templates": list})
	case http.MethodDelete:
		s.mu.Lock()
		_, ok := s.templates[name]
		delete(s.templates, name)
		s.mu.Unlock()
		if !ok {
			writeError(w, http.StatusNotFound, "resource_not_found_exception", "index_template ["+name+"] missing", nil)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
	}
}

// updateAliases is POST /_aliases with add/remove actions, applied
// atomically: either every action applies or none does.
func (s *Server) updateAliases(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeBody(w, r)
	if !ok {
		return
	}
	actions, _ := body["actions"].([]any)
	if len(actions) == 0 {
		writeError(w, http.StatusBadRequest, "action_request_validation_exception",
			"Validation Failed: 1: no actions specified;", nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	type op struct {
		add          bool
		alias, index string
	}
	var ops []op
	for _, a := range actions {
		m, _ := a.(map[string]any)
		for kind, v := range m {
			spec, _ := v.(map[string]any)
			var idxs, als []string
			if s, ok := spec["index"].(string); ok {
				idxs = append(idxs, s)
			}
			idxs = append(idxs, asStrings(spec["indices"])...)
			if s, ok := spec["alias"].(string); ok {
				als = append(als, s)
			}
			als = append(als, asStrings(spec["aliases"])...)
			if kind != "add" && kind != "remove" {
				writeError(w, http.StatusBadRequest, "illegal_argument_exception", "unsupported alias action ["+kind+"]", nil)
				return
			}
			mustExist, _ := spec["must_exist"].(bool)
			for _, ie := range idxs {
				found := s.resolve(ie)
				if len(found) == 0 {
					writeIndexNotFound(w, ie)
					return
				}
				for _, ix := range found {
					for _, al := range als {
						if kind == "remove" && mustExist && !s.aliases[al][ix.name] {
							writeError(w, http.StatusNotFound, "aliases_not_found_exception", "aliases ["+al+"] missing",
								map[string]any{"resource.type": "aliases", "resource.id": al})
							return
						}
						ops = append(ops, op{add: kind == "add", alias: al, index: ix.name})
					}
				}
			}
		}
	}
	for _, o := range ops {
		if o.add {
			if s.aliases[o.alias] == nil {
				s.aliases[o.alias] = map[string]bool{}
			}
			s.aliases[o.alias][o.index] = true
		} else {
			delete(s.aliases[o.alias], o.index)
			if len(s.aliases[o.alias]) == 0 {
				delete(s.aliases, o.alias)
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true, "errors": false})
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// getAlias is GET/HEAD /_alias/{name} and /{index}/_alias[/{name}].
func (s *Server) getAlias(w http.ResponseWriter, r *http.Request, parts []string) {
	indexExpr, aliasExpr := "_all", ""
	if parts[0] == "_alias" {
		if len(parts) > 1 {
			aliasExpr = parts[1]
		}
	} else {
		indexExpr = parts[0]
		if len(parts) > 2 {
			aliasExpr = parts[2]
		}
	}
	s.mu.Lock()
	out := map[string]any{}
	for _, ix := range s.resolve(indexExpr) {
		als := map[string]any{}
		for a, members := range s.aliases {
			if members[ix.name] && (aliasExpr == "" || matchPattern(aliasExpr, a)) {
				als[a] = map[string]any{}
			}
		}
		if len(als) > 0 || aliasExpr == "" {
			out[ix.name] = map[string]any{"aliases": als}
		}
	}
	s.mu.Unlock()
	if len(out) == 0 && aliasExpr != "" {
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "alias [" + aliasExpr + "] missing", "status": 404})
		return
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getDoc(w http.ResponseWriter, r *http.Request, indexName, id string) {
	s.mu.Lock()
	var found *Doc
	for _, ix := range s.resolve(indexName) {
		if d, ok := ix.docs[id]; ok {
			found = d
		}
	}
	var cp Doc
	if found != nil {
		cp = *found
	}
	s.mu.Unlock()
	if found == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"_index": indexName, "_id": id, "found": false})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"_index": cp.Index, "_id": cp.ID, "_version": cp.Version,
		"_seq_no": cp.SeqNo, "_primary_term": 1, "found": true, "_source": cp.Source})
}

// fieldTypes are the mapping field types of Elasticsearch 8's default
// distribution.
var fieldTypes = map[string]bool{
	"aggregate_metric_double": true, "alias": true, "binary": true, "boolean": true, "byte": true,
	"completion": true, "constant_keyword": true, "date": true, "date_nanos": true, "date_range": true,
	"dense_vector": true, "double": true, "double_range": true, "flattened": true, "float": true,
	"float_range": true, "geo_point": true, "geo_shape": true, "half_float": true, "histogram": true,
	"integer": true, "integer_range": true, "ip": true, "ip_range": true, "join": true, "keyword": true,
	"long": true, "long_range": true, "match_only_text": true, "nested": true, "object": true,
	"passthrough": true, "percolator": true, "point": true, "rank_feature": true, "rank_features": true,
	"scaled_float": true, "search_as_you_type": true, "semantic_text": true, "shape": true, "short": true,
	"sparse_vector": true, "text": true, "token_count": true, "unsigned_long": true, "version": true,
	"wildcard": true,
}

// unknownFieldType finds a field of an index template's mappings whose
// type Elasticsearch does not have; ok is false when there is none.
func unknownFieldType(t map[string]any) (field, typ string, ok bool) {
	tpl, _ := t["template"].(map[string]any)
	mappings, _ := tpl["mappings"].(map[string]any)
	return unknownInProperties(mappings)
}

func unknownInProperties(m map[string]any) (field, typ string, ok bool) {
	props, _ := m["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		def, _ := props[n].(map[string]any)
		if typ, isString := def["type"].(string); isString && !fieldTypes[typ] {
			return n, typ, true
		}
		if field, typ, ok := unknownInProperties(def); ok {
			return field, typ, true
		}
		if fields, isMap := def["fields"].(map[string]any); isMap {
			if field, typ, ok := unknownInProperties(map[string]any{"properties": fields}); ok {
				return field, typ, true
			}
		}
	}
	return "", "", false
}
