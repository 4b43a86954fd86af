package estest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// checkDoc applies the index's mappings to a document the way Elasticsearch
// does at parse time: a value that does not fit its field's type is a 400
// document_parsing_exception, an unmapped field under "dynamic": "strict"
// a strict_dynamic_mapping_exception. Fields dynamically mapped are added
// to the mappings, as Elasticsearch does. Call with s.mu held.
func checkDoc(ix *index, id string, source []byte, doc map[string]any) *ItemError {
	return checkObject(ix.mappings, "", id, source, doc)
}

func checkObject(mapping map[string]any, prefix, id string, source []byte, obj map[string]any) *ItemError {
	props, _ := mapping["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
		mapping["properties"] = props
	}
	dynamic := fmt.Sprint(mapping["dynamic"])
	for field, value := range obj {
		full := prefix + field
		def, ok := props[field].(map[string]any)
		if !ok {
			switch dynamic {
			case "strict":
				within := "_doc"
				if prefix != "" {
					within = strings.TrimSuffix(prefix, ".")
				}
				return &ItemError{Status: 400, Type: "strict_dynamic_mapping_exception",
					Reason: fmt.Sprintf("[1:%d] mapping set to strict, dynamic introduction of [%s] within [%s] is not allowed", offset(source, field), field, within)}
			case "false":
				continue
			}
			if value == nil {
				continue
			}
			def = dynamicMapping(value)
			props[field] = def
		}
		if e := checkValue(def, full, id, source, value); e != nil {
			return e
		}
	}
	return nil
}

func dynamicMapping(v any) map[string]any {
	if list, ok := v.([]any); ok {
		for _, x := range list {
			if x != nil {
				return dynamicMapping(x)
			}
		}
		return map[string]any{"type": "keyword"}
	}
	switch x := v.(type) {
	case string:
		if _, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return map[string]any{"type": "date"}
		}
		return map[string]any{"type": "text", "fields": map[string]any{"keyword": map[string]any{"type": "keyword", "ignore_above": 256}}}
	case json.Number:
		if strings.ContainsAny(x.String(), ".eE") {
			return map[string]any{"type": "float"}
		}
		return map[string]any{"type": "long"}
	case bool:
		return map[string]any{"type": "boolean"}
	case map[string]any:
		return map[string]any{"properties": map[string]any{}}
	}
	return map[string]any{"type": "keyword"}
}

func offset(source []byte, field string) int {
	i := bytes.Index(source, []byte(`"`+field+`"`))
	if i < 0 {
		return 1
	}
	return i + 1
}

func checkValue(def map[string]any, full, id string, source []byte, value any) *ItemError {
	if value == nil {
		return nil
	}
	if list, ok := value.([]any); ok {
		for _, x := range list {
			if _, nested := x.([]any); nested && def["type"] == "geo_point" {
				if e := checkScalar(def, full, id, source, x); e != nil {
					return e
				}
				continue
			}
			if e := checkValue(def, full, id, source, x); e != nil {
				return e
			}
		}
		return nil
	}
	return checkScalar(def, full, id, source, value)
}

func checkScalar(def map[string]any, full, id string, source []byte, value any) *ItemError {
	typ, _ := def["type"].(string)
	if typ == "" || typ == "object" || typ == "nested" {
		if enabled, ok := def["enabled"].(bool); ok && !enabled {
			return nil
		}
		obj, ok := value.(map[string]any)
		if !ok {
			return &ItemError{Status: 400, Type: "document_parsing_exception",
				Reason: fmt.Sprintf("[1:%d] object mapping for [%s] tried to parse field [%s] as object, but found a concrete value", offset(source, leaf(full)), full, leaf(full))}
		}
		return checkObject(def, full+".", id, source, obj)
	}
	bad := func(cause string) *ItemError {
		preview, _ := json.Marshal(value)
		p := strings.Trim(string(preview), `"`)
		return &ItemError{Status: 400, Type: "document_parsing_exception",
			Reason: fmt.Sprintf("[1:%d] failed to parse field [%s] of type [%s] in document with id '%s'. Preview of field's value: '%s'",
				offset(source, leaf(full)), full, typ, id, p),
			Caused: &ItemError{Type: "illegal_argument_exception", Reason: cause}}
	}
	switch typ {
	case "text", "keyword", "match_only_text", "wildcard", "constant_keyword", "search_as_you_type":
		if _, ok := value.(map[string]any); ok {
			return bad("Can't get text on a START_OBJECT")
		}
	case "date", "date_nanos":
		switch x := value.(type) {
		case json.Number:
		case string:
			if !parseDate(x) {
				return bad(fmt.Sprintf("failed to parse date field [%s] with format [strict_date_optional_time||epoch_millis]", x))
			}
		default:
			return bad("date field expects a string or a number")
		}
	case "long", "integer", "short", "byte", "unsigned_long":
		switch x := value.(type) {
		case json.Number:
			if _, err := strconv.ParseFloat(x.String(), 64); err != nil {
				return bad(fmt.Sprintf("For input string: %q", x.String()))
			}
		case string:
			if _, err := strconv.ParseFloat(x, 64); err != nil {
				return bad(fmt.Sprintf("For input string: %q", x))
			}
		default:
			return bad("Current token is not a number")
		}
	case "float", "double", "half_float", "scaled_float":
		switch x := value.(type) {
		case json.Number:
		case string:
			if _, err := strconv.ParseFloat(x, 64); err != nil {
				return bad(fmt.Sprintf("For input string: %q", x))
			}
		default:
			return bad("Current token is not a number")
		}
	case "boolean":
		switch x := value.(type) {
		case bool:
		case string:
			if x != "true" && x != "false" && x != "" {
				return bad(fmt.Sprintf("Failed to parse value [%s] as only [true] or [false] are allowed.", x))
			}
		default:
			return bad("Current token is not a boolean")
		}
	case "geo_point":
		lat, lon, ok := geoPoint(value)
		if !ok {
			return bad("geo_point expected")
		}
		if lat < -90 || lat > 90 {
			return bad(fmt.Sprintf("illegal latitude value [%v] for %s", lat, full))
		}
		if lon < -180 || lon > 180 {
			return bad(fmt.Sprintf("illegal longitude value [%v] for %s", lon, full))
		}
	}
	return nil
}

func leaf(full string) string {
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		return full[i+1:]
	}
	return full
}

func parseDate(s string) bool {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

// geoPoint reads the geo_point forms newsflow may send: {"lat","lon"},
// "lat,lon" and [lon, lat].
func geoPoint(v any) (lat, lon float64, ok bool) {
	switch x := v.(type) {
	case map[string]any:
		la, ok1 := num(x["lat"])
		lo, ok2 := num(x["lon"])
		return la, lo, ok1 && ok2
	case string:
		parts := strings.Split(x, ",")
		if len(parts) != 2 {
			return 0, 0, false
		}
		la, ok1 := num(parts[0])
		lo, ok2 := num(parts[1])
		return la, lo, ok1 && ok2
	case []any:
		if len(x) != 2 {
			return 0, 0, false
		}
		lo, ok1 := num(x[0])
		la, ok2 := num(x[1])
		return la, lo, ok1 && ok2
	}
	return 0, 0, false
}
