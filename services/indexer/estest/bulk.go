package estest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// bulkMeta is the metadata line of a bulk action.
type bulkMeta struct {
	Index       string          `json:"_index"`
	ID          string          `json:"_id"`
	Version     json.RawMessage `json:"version"`
	VersionType string          `json:"version_type"`
	Routing     string          `json:"routing"`
}

// bulk is POST /_bulk and POST /{index}/_bulk.
func (s *Server) bulk(w http.ResponseWriter, r *http.Request, pathIndex string) {
	start := time.Now()
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		writeError(w, http.StatusMethodNotAllowed, "illegal_argument_exception", "bulk needs POST or PUT", nil)
		return
	}
	body, err := readBody(r)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.stats.BulkRequests++
	if s.faults.FailRequests > 0 {
		s.faults.FailRequests--
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "cluster_block_exception",
			"blocked by: [SERVICE_UNAVAILABLE/2/no master];", nil)
		return
	}
	s.mu.Unlock()

	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64*1024), 100<<20)
	var items []any
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var action map[string]bulkMeta
		if err := json.Unmarshal(raw, &action); err != nil || len(action) != 1 {
			writeError(w, http.StatusBadRequest, "illegal_argument_exception",
				fmt.Sprintf("Malformed action/metadata line [%d], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]", line), nil)
			return
		}
		var op string
		var meta bulkMeta
		for k, v := range action {
			op, meta = k, v
		}
		var source []byte
		switch op {
		case "index", "create", "update":
			if !sc.Scan() {
				writeError(w, http.StatusBadRequest, "illegal_argument_exception",
					fmt.Sprintf("The bulk request must be terminated by a newline [\\n]; action on line [%d] has no source", line), nil)
				return
			}
			line++
			source = append([]byte(nil), bytes.TrimSpace(sc.Bytes())...)
		case "delete":
		default:
			writeError(w, http.StatusBadRequest, "illegal_argument_exception",
				fmt.Sprintf("Malformed action/metadata line [%d], expected field [create], [delete], [index] or [update] but found [%s]", line, op), nil)
			return
		}
		if meta.Index == "" {
			meta.Index = pathIndex
		}
		if meta.Index == "" {
			writeError(w, http.StatusBadRequest, "action_request_validation_exception",
				"Validation Failed: 1: index is missing;", nil)
			return
		}
		items = append(items, map[string]any{op: s.applyItem(grantOf(r), op, meta, source)})
	}
	if len(body) > 0 && body[len(body)-1] != '\n' {
		writeError(w, http.StatusBadRequest, "illegal_argument_exception",
			"The bulk request must be terminated by a newline [\\n]", nil)
		return
	}
	if items == nil {
		writeError(w, http.StatusBadRequest, "action_request_validation_exception",
			"Validation Failed: 1: no requests added;", nil)
		return
	}
	hasErrors := false
	for _, it := range items {
		for _, v := range it.(map[string]any) {
			if _, ok := v.(map[string]any)["error"]; ok {
				hasErrors = true
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"took":   time.Since(start).Milliseconds(),
		"errors": hasErrors,
		"items":  items,
	})
}

func failure(indexName, id string, e *ItemError) map[string]any {
	return map[string]any{"_index": indexName, "_id": id, "status": e.Status, "error": e.body(indexName)}
}

// applyItem executes one bulk action and returns its response item.
func (s *Server) applyItem(g grant, op string, meta bulkMeta, source []byte) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.BulkItems++
	f := s.faults
	target := meta.Index
	if members := s.aliases[target]; len(members) == 1 {
		for n := range members {
			target = n
		}
	} else if len(members) > 1 {
		return failure(meta.Index, meta.ID, &ItemError{Status: 400, Type: "illegal_argument_exception",
			Reason: fmt.Sprintf("no write index is defined for alias [%s]. The write index may be explicitly disabled using is_write_index=false or the alias points to multiple indices without one being designated as a write index", meta.Index)})
	}
	if _, exists := s.indices[target]; g.role != nil {
		if e := g.itemDenied(op, target, exists); e != nil {
			s.stats.Forbidden++
			return failure(target, meta.ID, e)
		}
	}
	if f.FailItem != nil {
		if e := f.FailItem(target, meta.ID, source); e != nil {
			s.stats.Rejected++
			return failure(target, meta.ID, e)
		}
	}
	if f.Reject429 > 0 && s.rnd.Float64() < f.Reject429 {
		s.stats.Rejected++
		return failure(target, meta.ID, &ItemError{Status: 429, Type: "es_rejected_execution_exception",
			Reason: "rejected execution of primary operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, primary_operation_bytes=" +
				strconv.Itoa(len(source)) + ", max_coordinating_and_primary_bytes=107374182] on EsThreadPoolExecutor[name = estest-node-1/write, queue capacity = 10000]"})
	}
	if f.Item5xx > 0 && s.rnd.Float64() < f.Item5xx {
		s.stats.Rejected++
		return failure(target, meta.ID, &ItemError{Status: 503, Type: "unavailable_shards_exception",
			Reason: fmt.Sprintf("[%s][0] primary shard is not active Timeout: [1m], request: [BulkShardRequest [[%s][0]] containing [1] requests]", target, target)})
	}
	ix, ok := s.indices[target]
	if !ok {
		if target != strings.ToLower(target) {
			return failure(target, meta.ID, &ItemError{Status: 400, Type: "invalid_index_name_exception",
				Reason: "Invalid index name [" + target + "], must be lowercase"})
		}
		ix = s.createLocked(target, nil, true)
	}
	if op == "delete" {
		d, ok := ix.docs[meta.ID]
		ix.seqNo++
		if !ok {
			return map[string]any{"_index": target, "_id": meta.ID, "_version": 1, "result": "not_found",
				"_shards": shards(), "_seq_no": ix.seqNo - 1, "_primary_term": 1, "status": 404}
		}
		delete(ix.docs, meta.ID)
		return map[string]any{"_index": target, "_id": meta.ID, "_version": d.Version + 1, "result": "deleted",
			"_shards": shards(), "_seq_no": ix.seqNo - 1, "_primary_term": 1, "status": 200}
	}
	if op == "update" {
		return failure(target, meta.ID, &ItemError{Status: 400, Type: "illegal_argument_exception",
			Reason: "estest does not implement bulk update"})
	}
	if meta.ID == "" {
		meta.ID = fmt.Sprintf("auto-%d", ix.seqNo)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(source))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return failure(target, meta.ID, &ItemError{Status: 400, Type: "document_parsing_exception",
			Reason: "[1:1] failed to parse: " + err.Error(), Caused: &ItemError{Type: "x_content_parse_exception", Reason: err.Error()}})
	}
	if e := checkDoc(ix, meta.ID, source, doc); e != nil {
		return failure(target, meta.ID, e)
	}

	existing := ix.docs[meta.ID]
	version := int64(1)
	switch meta.VersionType {
	case "", "internal":
		if existing != nil {
			version = existing.Version + 1
		}
		if len(meta.Version) > 0 {
			return failure(target, meta.ID, &ItemError{Status: 400, Type: "action_request_validation_exception",
				Reason: "Validation Failed: 1: internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead;"})
		}
	case "external", "external_gt", "external_gte":
		v, err := strconv.ParseInt(string(meta.Version), 10, 64)
		if err != nil || v < 0 {
			return failure(target, meta.ID, &ItemError{Status: 400, Type: "action_request_validation_exception",
				Reason: "Validation Failed: 1: illegal version value [" + string(meta.Version) + "] for version type [" + meta.VersionType + "];"})
		}
		if existing != nil {
			conflict := v <= existing.Version
			if meta.VersionType == "external_gte" {
				conflict = v < existing.Version
			}
			if conflict {
				s.stats.Conflicts++
				return failure(target, meta.ID, &ItemError{Status: 409, Type: "version_conflict_engine_exception",
					Reason: fmt.Sprintf("[%s]: version conflict, current version [%d] is higher or equal to the one provided [%d]", meta.ID, existing.Version, v)})
			}
		}
		version = v
	default:
		return failure(target, meta.ID, &ItemError{Status: 400, Type: "illegal_argument_exception",
			Reason: "No version type match [" + meta.VersionType + "]"})
	}
	if op == "create" && existing != nil {
		s.stats.Conflicts++
		return failure(target, meta.ID, &ItemError{Status: 409, Type: "version_conflict_engine_exception",
			Reason: fmt.Sprintf("[%s]: version conflict, document already exists (current version [%d])", meta.ID, existing.Version)})
	}
	d := &Doc{Index: target, ID: meta.ID, Version: version, SeqNo: ix.seqNo, Source: json.RawMessage(source), Writes: 1}
	result, status := "created", 201
	if existing != nil {
		d.Writes, d.Updates = existing.Writes+1, existing.Updates
		result, status = "updated", 200
	}
	ix.docs[meta.ID] = d
	ix.seqNo++
	return map[string]any{"_index": target, "_id": meta.ID, "_version": version, "result": result,
		"_shards": shards(), "_seq_no": d.SeqNo, "_primary_term": 1, "status": status}
}
