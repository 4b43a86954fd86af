package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// savedObject is one line of a Kibana saved objects export (ndjson).
type savedObject struct {
	ID                   string         `json:"id"`
	Type                 string         `json:"type"`
	Attributes           map[string]any `json:"attributes"`
	References           []reference    `json:"references"`
	CoreMigrationVersion string         `json:"coreMigrationVersion"`
	TypeMigrationVersion string         `json:"typeMigrationVersion"`
	Managed              bool           `json:"managed"`
}

type reference struct {
	Name string `json:"name"`
	Type string `json:"type"`
	ID   string `json:"id"`
}

func (o savedObject) key() string { return o.Type + "/" + o.ID }

func (o savedObject) ref(name string) (reference, bool) {
	for _, r := range o.References {
		if r.Name == name {
			return r, true
		}
	}
	return reference{}, false
}

// attrJSON decodes attribute name, a JSON document stored as a string
// (searchSourceJSON, panelsJSON, layerListJSON...), into v.
func attrJSON(t *testing.T, o savedObject, path string, v any) {
	t.Helper()
	var cur any = o.Attributes
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: %s: not an object at %s", o.key(), path, p)
		}
		cur = m[p]
	}
	s, ok := cur.(string)
	if !ok {
		t.Fatalf("%s: %s is not a JSON string", o.key(), path)
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%s: %s: %v", o.key(), path, err)
	}
}

// loadSavedObjects reads every deploy/kibana/*.ndjson line, strictly.
func loadSavedObjects(t *testing.T) []savedObject {
	t.Helper()
	files, err := filepath.Glob("kibana/*.ndjson")
	if err != nil || len(files) == 0 {
		t.Fatalf("no kibana/*.ndjson: %v", err)
	}
	var objs []savedObject
	seen := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 4<<20)
		for line := 1; sc.Scan(); line++ {
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
			dec.DisallowUnknownFields()
			var o savedObject
			if err := dec.Decode(&o); err != nil {
				t.Fatalf("%s:%d: %v", f, line, err)
			}
			if o.ID == "" || o.Type == "" || o.Attributes == nil {
				t.Errorf("%s:%d: id %q type %q: want both and attributes", f, line, o.ID, o.Type)
			}
			if seen[o.key()] {
				t.Errorf("%s:%d: %s defined twice", f, line, o.key())
			}
			seen[o.key()] = true
			objs = append(objs, o)
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	return objs
}

// mappingField is one searchable field of the index template.
type mappingField struct {
	typ string
}

// templateFields flattens the mappings of the index template behind a
// data view (elasticsearch/<title>.index-template.json: the data views
// are named after the read alias or index their template covers) into
// dotted field names, with multi-fields (title.keyword). Objects with
// "enabled": false hold nothing searchable and are left out.
func templateFields(t *testing.T, title string) map[string]mappingField {
	t.Helper()
	file := filepath.Join("elasticsearch", title+".index-template.json")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("data view %q: no template: %v", title, err)
	}
	type prop struct {
		Type       string          `json:"type"`
		Enabled    *bool           `json:"enabled"`
		Properties map[string]prop `json:"properties"`
		Fields     map[string]prop `json:"fields"`
		Index      *bool           `json:"index"`
		DocValues  *bool           `json:"doc_values"`
	}
	var tmpl struct {
		IndexPatterns []string `json:"index_patterns"`
		Template      struct {
			Mappings struct {
				Properties map[string]prop `json:"properties"`
			} `json:"mappings"`
		} `json:"template"`
	}
	if err := json.Unmarshal(data, &tmpl); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	covered := false
	for _, p := range tmpl.IndexPatterns {
		if ok, _ := filepath.Match(p, title); ok || strings.HasPrefix(p, title+"-") {
			covered = true
		}
	}
	if !covered {
		t.Errorf("%s: index_patterns %v cover neither %q nor its indices %q", file, tmpl.IndexPatterns, title, title+"-*")
	}
	fields := map[string]mappingField{}
	var walk func(prefix string, props map[string]prop)
	walk = func(prefix string, props map[string]prop) {
		for name, p := range props {
			full := prefix + name
			if p.Enabled != nil && !*p.Enabled {
				continue
			}
			if len(p.Properties) > 0 {
				walk(full+".", p.Properties)
				continue
			}
			typ := p.Type
			if p.Index != nil && !*p.Index && p.DocValues != nil && !*p.DocValues {
				typ = "unsearchable"
			}
			fields[full] = mappingField{typ: typ}
			for sub, sp := range p.Fields {
				fields[full+"."+sub] = mappingField{typ: sp.Type}
			}
		}
	}
	walk("", tmpl.Template.Mappings.Properties)
	if len(fields) == 0 {
		t.Fatalf("%s: no fields", file)
	}
	return fields
}

// A use is how a saved object uses a field of a data view (by id); kinds
// constrain its type.
type use struct {
	field, kind, where, view string
}

const (
	useAny  = "any"  // shown or queried: must exist
	useTime = "time" // must be a date
	useGeo  = "geo"  // must be a geo_point
	useAgg  = "agg"  // bucketed or aggregated: must have doc values
)

func (u use) check(f mappingField) error {
	switch u.kind {
	case useTime:
		if f.typ != "date" && f.typ != "date_nanos" {
			return fmt.Errorf("is %s, want a date", f.typ)
		}
	case useGeo:
		if f.typ != "geo_point" {
			return fmt.Errorf("is %s, want geo_point", f.typ)
		}
	case useAgg:
		switch f.typ {
		case "keyword", "constant_keyword", "long", "integer", "short", "byte", "double", "float", "half_float",
			"scaled_float", "date", "date_nanos", "boolean", "ip":
		default:
			return fmt.Errorf("is %s, which cannot be aggregated or sorted", f.typ)
		}
	}
	if f.typ == "unsearchable" {
		return fmt.Errorf("is neither indexed nor has doc values")
	}
	return nil
}

// kqlField matches the field of a KQL clause: `field:`, `"field":`.
var kqlField = regexp.MustCompile(`(?:^|[\s(])"?([A-Za-z@_][A-Za-z0-9@_.]*)"?\s*:`)

func kqlUses(q, where, view string) []use {
	var uses []use
	for _, m := range kqlField.FindAllStringSubmatch(q, -1) {
		uses = append(uses, use{m[1], useAny, where + " query " + strconv.Quote(q), view})
	}
	return uses
}

type query struct {
	Query    any    `json:"query"`
	Language string `json:"language"`
}

func (q query) kql() string {
	s, _ := q.Query.(string)
	return s
}

// lensColumn is a column of a Lens formBased layer.
type lensColumn struct {
	Label         string `json:"label"`
	DataType      string `json:"dataType"`
	OperationType string `json:"operationType"`
	SourceField   string `json:"sourceField"`
	IsBucketed    bool   `json:"isBucketed"`
	Filter        *query `json:"filter"`
	Params        struct {
		SortField string `json:"sortField"`
		OrderBy   *struct {
			Type     string `json:"type"`
			ColumnID string `json:"columnId"`
		} `json:"orderBy"`
	} `json:"params"`
}

type lensState struct {
	DatasourceStates struct {
		FormBased struct {
			Layers map[string]struct {
				Columns     map[string]lensColumn `json:"columns"`
				ColumnOrder []string              `json:"columnOrder"`
			} `json:"layers"`
		} `json:"formBased"`
	} `json:"datasourceStates"`
	Visualization struct {
		Layers []struct {
			LayerID        string   `json:"layerId"`
			XAccessor      string   `json:"xAccessor"`
			Accessors      []string `json:"accessors"`
			SplitAccessor  string   `json:"splitAccessor"`
			SeriesType     string   `json:"seriesType"`
			LayerType      string   `json:"layerType"`
			AccessorsExtra []string `json:"-"`
		} `json:"layers"`
		LayerID string `json:"layerId"`
		Columns []struct {
			ColumnID string `json:"columnId"`
		} `json:"columns"`
		Sorting *struct {
			ColumnID string `json:"columnId"`
		} `json:"sorting"`
	} `json:"visualization"`
	Query query `json:"query"`
}

func decodeLens(t *testing.T, o savedObject) lensState {
	t.Helper()
	raw, err := json.Marshal(o.Attributes["state"])
	if err != nil {
		t.Fatal(err)
	}
	var st lensState
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("%s: state: %v", o.key(), err)
	}
	return st
}

type mapLayer struct {
	ID               string `json:"id"`
	Type             string `json:"type"`
	SourceDescriptor struct {
		Type                string   `json:"type"`
		GeoField            string   `json:"geoField"`
		TooltipProperties   []string `json:"tooltipProperties"`
		IndexPatternRefName string   `json:"indexPatternRefName"`
		Metrics             []struct {
			Type  string `json:"type"`
			Field string `json:"field"`
		} `json:"metrics"`
	} `json:"sourceDescriptor"`
}

type dashboardPanel struct {
	Type       string `json:"type"`
	PanelIndex string `json:"panelIndex"`
	PanelRef   string `json:"panelRefName"`
	GridData   struct {
		X, Y, W, H int
		I          string `json:"i"`
	} `json:"gridData"`
}

// fieldUses lists every field o uses and checks its internal references
// (layers, accessors, reference names) along the way.
func fieldUses(t *testing.T, o savedObject) []use {
	t.Helper()
	var uses []use
	where := o.key()
	switch o.Type {
	case "index-pattern":
		if tf, _ := o.Attributes["timeFieldName"].(string); tf != "" {
			uses = append(uses, use{tf, useTime, where + " timeFieldName", o.ID})
		}
	case "search":
		var ss struct {
			Query        query  `json:"query"`
			IndexRefName string `json:"indexRefName"`
		}
		attrJSON(t, o, "kibanaSavedObjectMeta.searchSourceJSON", &ss)
		r, ok := o.ref(ss.IndexRefName)
		if !ok || r.Type != "index-pattern" {
			t.Errorf("%s: indexRefName %q has no index-pattern reference", where, ss.IndexRefName)
		}
		view := r.ID
		cols, _ := o.Attributes["columns"].([]any)
		for _, c := range cols {
			uses = append(uses, use{c.(string), useAny, where + " column", view})
		}
		sorts, _ := o.Attributes["sort"].([]any)
		for _, s := range sorts {
			uses = append(uses, use{s.([]any)[0].(string), useAgg, where + " sort", view})
		}
		uses = append(uses, kqlUses(ss.Query.kql(), where, view)...)
	case "lens":
		st := decodeLens(t, o)
		layers := st.DatasourceStates.FormBased.Layers
		if len(layers) == 0 {
			t.Errorf("%s: no formBased layers", where)
		}
		// The query applies to every layer, so to each layer's data view.
		views := map[string]bool{}
		for id := range layers {
			if r, ok := o.ref("indexpattern-datasource-layer-" + id); ok {
				views[r.ID] = true
			}
		}
		for view := range views {
			uses = append(uses, kqlUses(st.Query.kql(), where, view)...)
		}
		columns := map[string]bool{}
		for id, l := range layers {
			r, ok := o.ref("indexpattern-datasource-layer-" + id)
			if !ok || r.Type != "index-pattern" {
				t.Errorf("%s: layer %s has no index-pattern reference", where, id)
			}
			view := r.ID
			var ids []string
			for cid, c := range l.Columns {
				columns[cid] = true
				ids = append(ids, cid)
				if c.Filter != nil {
					uses = append(uses, kqlUses(c.Filter.kql(), where+" column "+cid, view)...)
				}
				if c.Params.SortField != "" {
					uses = append(uses, use{c.Params.SortField, useAgg, where + " column " + cid + " sortField", view})
				}
				if ob := c.Params.OrderBy; ob != nil && ob.Type == "column" && l.Columns[ob.ColumnID].OperationType == "" {
					t.Errorf("%s: column %s orders by missing column %s", where, cid, ob.ColumnID)
				}
				switch c.OperationType {
				case "count":
					if c.SourceField != "___records___" {
						uses = append(uses, use{c.SourceField, useAgg, where + " count", view})
					}
				case "date_histogram":
					uses = append(uses, use{c.SourceField, useTime, where + " date_histogram", view})
				case "terms", "unique_count", "last_value", "min", "max", "sum", "average", "median", "percentile":
					uses = append(uses, use{c.SourceField, useAgg, where + " " + c.OperationType, view})
				default:
					t.Errorf("%s: column %s: operation %q not checked by this test", where, cid, c.OperationType)
				}
			}
			slices.Sort(ids)
			order := slices.Clone(l.ColumnOrder)
			slices.Sort(order)
			if !slices.Equal(ids, order) {
				t.Errorf("%s: columnOrder %v does not list the columns %v", where, l.ColumnOrder, ids)
			}
		}
		v := st.Visualization
		var accessors []string
		for _, l := range v.Layers {
			if _, ok := layers[l.LayerID]; !ok {
				t.Errorf("%s: visualization layer %s has no datasource layer", where, l.LayerID)
			}
			accessors = append(accessors, l.XAccessor, l.SplitAccessor)
			accessors = append(accessors, l.Accessors...)
		}
		for _, c := range v.Columns {
			accessors = append(accessors, c.ColumnID)
		}
		if v.Sorting != nil {
			accessors = append(accessors, v.Sorting.ColumnID)
		}
		if v.LayerID != "" {
			if _, ok := layers[v.LayerID]; !ok {
				t.Errorf("%s: visualization layer %s has no datasource layer", where, v.LayerID)
			}
		}
		for _, a := range accessors {
			if a != "" && !columns[a] {
				t.Errorf("%s: visualization uses column %s, which no layer defines", where, a)
			}
		}
	case "map":
		var layers []mapLayer
		attrJSON(t, o, "layerListJSON", &layers)
		var ms struct {
			Query query `json:"query"`
		}
		attrJSON(t, o, "mapStateJSON", &ms)
		for _, l := range layers {
			sd := l.SourceDescriptor
			if !strings.HasPrefix(sd.Type, "ES_") {
				continue
			}
			r, ok := o.ref(sd.IndexPatternRefName)
			if !ok || r.Type != "index-pattern" {
				t.Errorf("%s: layer %s indexPatternRefName %q has no index-pattern reference", where, l.ID, sd.IndexPatternRefName)
			}
			view := r.ID
			// The map's query applies to each of its document layers.
			uses = append(uses, kqlUses(ms.Query.kql(), where, view)...)
			uses = append(uses, use{sd.GeoField, useGeo, where + " layer " + l.ID, view})
			for _, p := range sd.TooltipProperties {
				uses = append(uses, use{p, useAny, where + " layer " + l.ID + " tooltip", view})
			}
			for _, m := range sd.Metrics {
				if m.Field != "" {
					uses = append(uses, use{m.Field, useAgg, where + " layer " + l.ID + " metric", view})
				}
			}
		}
	case "dashboard":
		var panels []dashboardPanel
		attrJSON(t, o, "panelsJSON", &panels)
		for _, p := range panels {
			r, ok := o.ref(p.PanelIndex + ":" + p.PanelRef)
			if !ok || r.Type != p.Type {
				t.Errorf("%s: panel %s (%s) has no %s reference %q", where, p.PanelIndex, p.Type, p.Type, p.PanelIndex+":"+p.PanelRef)
			}
			if g := p.GridData; g.X < 0 || g.W <= 0 || g.X+g.W > 48 || g.H <= 0 || g.I != p.PanelIndex {
				t.Errorf("%s: panel %s grid %+v outside the 48-column grid", where, p.PanelIndex, g)
			}
		}
		for i, a := range panels {
			for _, b := range panels[i+1:] {
				ga, gb := a.GridData, b.GridData
				if ga.X < gb.X+gb.W && gb.X < ga.X+ga.W && ga.Y < gb.Y+gb.H && gb.Y < ga.Y+ga.H {
					t.Errorf("%s: panels %s and %s overlap", where, a.PanelIndex, b.PanelIndex)
				}
			}
		}
	default:
		t.Errorf("%s: type %s not checked by this test", where, o.Type)
	}
	return uses
}

// TestKibanaReferencesResolve checks that every reference of every saved
// object names another object of the export, so an import cannot fail
// with missing references.
func TestKibanaReferencesResolve(t *testing.T) {
	objs := loadSavedObjects(t)
	have := map[string]bool{}
	for _, o := range objs {
		have[o.key()] = true
	}
	for _, o := range objs {
		names := map[string]bool{}
		for _, r := range o.References {
			if !have[r.Type+"/"+r.ID] {
				t.Errorf("%s: reference %s -> %s/%s is not in the export", o.key(), r.Name, r.Type, r.ID)
			}
			if names[r.Name] {
				t.Errorf("%s: reference name %s used twice", o.key(), r.Name)
			}
			names[r.Name] = true
		}
		fieldUses(t, o) // checks internal reference names too
	}
}

// TestKibanaFieldsInTemplate checks that every field the saved objects
// show, query, aggregate or map exists, with a type that allows that use,
// in the index template behind the data view the use goes through.
func TestKibanaFieldsInTemplate(t *testing.T) {
	objs := loadSavedObjects(t)
	fieldsOf := map[string]map[string]mappingField{} // by data view id
	for _, o := range objs {
		if o.Type == "index-pattern" {
			title, _ := o.Attributes["title"].(string)
			fieldsOf[o.ID] = templateFields(t, title)
		}
	}
	var n int
	for _, o := range objs {
		for _, u := range fieldUses(t, o) {
			n++
			fields, ok := fieldsOf[u.view]
			if !ok {
				t.Errorf("%s uses %q through data view %q, which the export does not define", u.where, u.field, u.view)
				continue
			}
			f, ok := fields[u.field]
			if !ok {
				t.Errorf("%s uses %q, which the index template of data view %q does not map", u.where, u.field, u.view)
				continue
			}
			if err := u.check(f); err != nil {
				t.Errorf("%s uses %q: %v", u.where, u.field, err)
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d field uses found; the walker is missing something", n)
	}
}

// TestKibanaAnswers checks that the saved objects answer the analysts'
// questions: a data view on the read alias with @timestamp as time (the
// indexer writes it into every document: published, else ingested, so
// undated articles are in every panel; with published_at they vanished), a
// saved search without duplicates, and a dashboard with articles over
// time by source, top persons/organisations/places, a map of places,
// copies per source, most-copied stories and the latest articles.
func TestKibanaAnswers(t *testing.T) {
	objs := loadSavedObjects(t)
	byKey := map[string]savedObject{}
	for _, o := range objs {
		byKey[o.key()] = o
	}
	dv := byKey["index-pattern/newsflow-articles"]
	if dv.Attributes["title"] != "newsflow-articles" || dv.Attributes["timeFieldName"] != "@timestamp" {
		t.Errorf("data view title %v time %v, want newsflow-articles (the read alias) and @timestamp",
			dv.Attributes["title"], dv.Attributes["timeFieldName"])
	}
	if f, ok := templateFields(t, "newsflow-articles")["@timestamp"]; !ok || f.typ != "date" {
		t.Errorf("index template maps @timestamp as %+v, want a date", f)
	}

	dash, ok := byKey["dashboard/newsflow-overview"]
	if !ok {
		t.Fatal("no dashboard newsflow-overview")
	}
	want := map[string]bool{
		"articles over time by source": false,
		"top persons":                  false,
		"top organizations":            false,
		"top places":                   false,
		"map of places":                false,
		"copies per source":            false,
		"most-copied stories":          false,
		"latest articles":              false,
	}
	for _, r := range dash.References {
		o, ok := byKey[r.Type+"/"+r.ID]
		if !ok {
			continue
		}
		switch o.Type {
		case "search":
			var ss struct {
				Query query `json:"query"`
			}
			attrJSON(t, o, "kibanaSavedObjectMeta.searchSourceJSON", &ss)
			sort, _ := o.Attributes["sort"].([]any)
			if strings.Contains(ss.Query.kql(), "not duplicate_of:*") && len(sort) > 0 &&
				fmt.Sprint(sort[0]) == "[@timestamp desc]" {
				want["latest articles"] = true
			}
		case "map":
			var layers []mapLayer
			attrJSON(t, o, "layerListJSON", &layers)
			for _, l := range layers {
				if l.SourceDescriptor.GeoField == "place_locations" {
					want["map of places"] = true
				}
			}
		case "lens":
			st := decodeLens(t, o)
			ops := map[string]bool{}
			for _, l := range st.DatasourceStates.FormBased.Layers {
				for _, c := range l.Columns {
					ops[c.OperationType+" "+c.SourceField] = true
				}
			}
			q := st.Query.kql()
			switch {
			case ops["date_histogram @timestamp"] && ops["terms source.name"]:
				want["articles over time by source"] = true
			case ops["terms persons"] && q == "not duplicate_of:*":
				want["top persons"] = true
			case ops["terms organizations"] && q == "not duplicate_of:*":
				want["top organizations"] = true
			case ops["terms places"] && q == "not duplicate_of:*":
				want["top places"] = true
			case ops["terms source.name"] && q == "duplicate_of:*":
				want["copies per source"] = true
			case ops["terms cluster_id"]:
				want["most-copied stories"] = true
			}
		}
	}
	for what, ok := range want {
		if !ok {
			t.Errorf("the dashboard has no panel for %s", what)
		}
	}
}

// TestKibanaStoriesAnswers checks the stories side: a data view on the
// story index with last_seen as time (a story is "of the period" when it
// had a report in it), and a dashboard with the biggest stories of the
// period by outlets (live stories only, from the story documents), a
// story's timeline (its articles over time by outlet) and outlets per
// story, all filterable by story_id, the field both indices share.
func TestKibanaStoriesAnswers(t *testing.T) {
	byKey := map[string]savedObject{}
	for _, o := range loadSavedObjects(t) {
		byKey[o.key()] = o
	}
	dv := byKey["index-pattern/newsflow-stories"]
	if dv.Attributes["title"] != "newsflow-stories" || dv.Attributes["timeFieldName"] != "last_seen" {
		t.Errorf("stories data view title %v time %v, want newsflow-stories and last_seen",
			dv.Attributes["title"], dv.Attributes["timeFieldName"])
	}
	dash, ok := byKey["dashboard/newsflow-stories-overview"]
	if !ok {
		t.Fatal("no dashboard newsflow-stories-overview")
	}
	want := map[string]bool{
		"biggest stories of the period by outlets": false,
		"a story's timeline":                       false,
		"outlets per story":                        false,
	}
	for _, r := range dash.References {
		o, ok := byKey[r.Type+"/"+r.ID]
		if !ok || o.Type != "lens" {
			continue
		}
		st := decodeLens(t, o)
		view := ""
		for _, ref := range o.References {
			view = ref.ID
		}
		ops := map[string]string{}
		for _, l := range st.DatasourceStates.FormBased.Layers {
			for id, c := range l.Columns {
				ops[c.OperationType+" "+c.SourceField] = id
				if c.OperationType == "terms" && c.Params.OrderBy != nil {
					ops["order "+c.SourceField] = l.Columns[c.Params.OrderBy.ColumnID].OperationType + " " + l.Columns[c.Params.OrderBy.ColumnID].SourceField
				}
			}
		}
		q := st.Query.kql()
		_, bySource := ops["terms source.name"]
		_, byStory := ops["terms story_id"]
		_, overTime := ops["date_histogram @timestamp"]
		switch {
		case view == "newsflow-stories" && byStory && ops["order story_id"] == "max outlet_count" && q == "not merged_into:*":
			want["biggest stories of the period by outlets"] = true
		case view == "newsflow-articles" && overTime && bySource && strings.Contains(q, "story_id"):
			want["a story's timeline"] = true
		case view == "newsflow-articles" && byStory && ops["order story_id"] == "unique_count source.name":
			want["outlets per story"] = true
		}
	}
	for what, ok := range want {
		if !ok {
			t.Errorf("the stories dashboard has no panel for %s", what)
		}
	}
}

// TestKibanaVersions checks that no object claims a version newer than
// the Kibana pinned in docker-compose.yml: Kibana refuses to import those.
func TestKibanaVersions(t *testing.T) {
	p := defaultCompose(t)
	_, tag, _ := strings.Cut(p.Services["kibana"].Image, ":")
	pinned := parseVersion(t, tag)
	if es := p.Services["elasticsearch"].Image; !strings.HasSuffix(es, ":"+tag) {
		t.Errorf("elasticsearch %s and kibana %s differ", es, tag)
	}
	for _, o := range loadSavedObjects(t) {
		if o.CoreMigrationVersion == "" {
			t.Errorf("%s: no coreMigrationVersion", o.key())
		} else if v := parseVersion(t, o.CoreMigrationVersion); versionLess(pinned, v) {
			t.Errorf("%s: coreMigrationVersion %s is newer than Kibana %s", o.key(), o.CoreMigrationVersion, tag)
		}
		// 10.x.y are model versions, which any 8.x with them accepts.
		if v := parseVersion(t, o.TypeMigrationVersion); v[0] < 10 && versionLess(pinned, v) {
			t.Errorf("%s: typeMigrationVersion %s is newer than Kibana %s", o.key(), o.TypeMigrationVersion, tag)
		}
	}
}

func parseVersion(t *testing.T, s string) [3]int {
	t.Helper()
	var v [3]int
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		t.Fatalf("version %q: want x.y.z", s)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			t.Fatalf("version %q: %v", s, err)
		}
		v[i] = n
	}
	return v
}

func versionLess(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
