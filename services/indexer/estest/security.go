package estest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
)

// This file makes the double enforce an Elasticsearch role, as a cluster
// with security on does for a user or API key holding it: each request is
// mapped to the transport action Elasticsearch authorizes it as, on the
// indices it names, and refused with 403 security_exception, worded as
// Elasticsearch words it, unless one of the role's privileges grants that
// action. Bulk items are authorized one by one (a refused item fails with
// 403 inside a 200 response), and creating an index with aliases also
// needs indices:admin/aliases on the index and on each alias, as in
// Elasticsearch's AuthorizationService.
//
// Privileges are Elasticsearch 8's, reduced to the action patterns that
// matter for the APIs the double implements; role entries may also list
// action patterns ("indices:admin/aliases"), which Elasticsearch accepts.
// One simplification is stricter than Elasticsearch: a wildcard or _all
// expression must be authorized on every existing index it matches
// (Elasticsearch silently drops the ones the role does not cover).

// ErrUnknownPrivilege means a role names a privilege Elasticsearch (or
// this double) does not know; PUT _security/role refuses such a role.
var ErrUnknownPrivilege = errors.New("unknown privilege")

// Role is an Elasticsearch role, in the JSON PUT _security/role/{name}
// and the role_descriptors of POST _security/api_key take.
type Role struct {
	Cluster []string            `json:"cluster,omitempty"`
	Indices []IndicesPrivileges `json:"indices,omitempty"`
	RunAs   []string            `json:"run_as,omitempty"`
	// Metadata is kept for round trips and has no effect.
	Metadata map[string]any `json:"metadata,omitempty"`
}

// IndicesPrivileges grants index privileges on index, alias and data
// stream names or wildcard patterns.
type IndicesPrivileges struct {
	Names      []string `json:"names"`
	Privileges []string `json:"privileges"`
}

// ParseRole decodes a role and checks every privilege and name pattern,
// as Elasticsearch does when the role is created.
func ParseRole(data []byte) (*Role, error) {
	var r Role
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("role: %w", err)
	}
	return &r, r.Validate()
}

// Validate reports privileges and name patterns Elasticsearch would
// refuse, or this double cannot evaluate.
func (r *Role) Validate() error {
	var errs []error
	for _, p := range r.Cluster {
		if _, ok := clusterPrivileges[p]; !ok && !strings.HasPrefix(p, "cluster:") {
			errs = append(errs, fmt.Errorf("%w: cluster privilege [%s]", ErrUnknownPrivilege, p))
		}
	}
	for _, ip := range r.Indices {
		if len(ip.Names) == 0 || len(ip.Privileges) == 0 {
			errs = append(errs, errors.New("role: an indices entry needs names and privileges"))
		}
		for _, p := range ip.Privileges {
			if _, ok := indexPrivileges[p]; !ok && !strings.HasPrefix(p, "indices:") {
				errs = append(errs, fmt.Errorf("%w: index privilege [%s]", ErrUnknownPrivilege, p))
			}
		}
		for _, n := range ip.Names {
			if strings.HasPrefix(n, "/") {
				errs = append(errs, fmt.Errorf("role: name %q: estest does not evaluate regular expressions", n))
			}
		}
	}
	return errors.Join(errs...)
}

// Without returns a copy of the role with privilege removed from the
// cluster list and from every indices entry, for tests of a role that
// lacks one privilege. Entries left without privileges are dropped.
func (r *Role) Without(privilege string) *Role {
	out := &Role{Metadata: r.Metadata, RunAs: r.RunAs}
	for _, p := range r.Cluster {
		if p != privilege {
			out.Cluster = append(out.Cluster, p)
		}
	}
	for _, ip := range r.Indices {
		var privs []string
		for _, p := range ip.Privileges {
			if p != privilege {
				privs = append(privs, p)
			}
		}
		if len(privs) > 0 {
			out.Indices = append(out.Indices, IndicesPrivileges{Names: ip.Names, Privileges: privs})
		}
	}
	return out
}

// privilegeOrder lists named privileges in the order Elasticsearch's
// "this action is granted by ..." messages name them.
var (
	indexPrivilegeOrder   = []string{"none", "read", "create_doc", "create", "index", "delete", "write", "create_index", "auto_configure", "delete_index", "view_index_metadata", "maintenance", "monitor", "manage", "all"}
	clusterPrivilegeOrder = []string{"none", "monitor", "manage_index_templates", "manage_pipeline", "manage_ilm", "read_ilm", "manage_own_api_key", "manage_api_key", "manage", "manage_security", "all"}
)

// indexPrivileges maps each named index privilege to the action patterns
// it grants.
var indexPrivileges = map[string][]string{
	"none":                nil,
	"all":                 {"indices:*"},
	"manage":              {"indices:admin/*", "indices:monitor/*"},
	"monitor":             {"indices:monitor/*"},
	"read":                {"indices:data/read/*", "indices:admin/resolve/index"},
	"view_index_metadata": {"indices:admin/aliases/get", "indices:admin/get", "indices:admin/mappings/get", "indices:admin/mappings/fields/get*", "indices:monitor/settings/get", "indices:admin/resolve/index", "indices:admin/validate/query*", "indices:data/read/field_caps*"},
	"create_index":        {"indices:admin/create", "indices:admin/auto_create", "indices:admin/data_stream/create"},
	"auto_configure":      {"indices:admin/auto_create", "indices:admin/mapping/auto_put", "indices:admin/data_stream/create"},
	"delete_index":        {"indices:admin/delete", "indices:admin/data_stream/delete"},
	"maintenance":         {"indices:admin/refresh*", "indices:admin/flush*", "indices:admin/synced_flush", "indices:admin/forcemerge*"},
	"write":               {"indices:data/write/*", "indices:admin/mapping/auto_put"},
	"index":               {"indices:data/write/index*", "indices:data/write/update*", "indices:data/write/bulk*", "indices:admin/mapping/auto_put"},
	"create":              {"indices:data/write/index*", "indices:data/write/bulk*", "indices:admin/mapping/auto_put"},
	"create_doc":          {"indices:data/write/index", "indices:data/write/index[*", "indices:data/write/index:op_type/create", "indices:data/write/bulk*", "indices:admin/mapping/auto_put"},
	"delete":              {"indices:data/write/delete*", "indices:data/write/bulk*"},
}

// clusterPrivileges maps each named cluster privilege to the actions it
// grants. Index template actions are cluster actions despite their names.
var clusterPrivileges = map[string][]string{
	"none":                   nil,
	"all":                    {"cluster:*", "indices:admin/template/*", "indices:admin/index_template/*"},
	"manage":                 {"cluster:monitor/*", "cluster:admin/component_template/*", "cluster:admin/ingest/*", "cluster:admin/ilm/*", "cluster:admin/settings/*", "cluster:admin/reroute*", "cluster:admin/snapshot/*", "cluster:admin/repository/*", "indices:admin/template/*", "indices:admin/index_template/*"},
	"monitor":                {"cluster:monitor/*"},
	"manage_index_templates": {"indices:admin/template/*", "indices:admin/index_template/*", "cluster:admin/component_template/*"},
	"manage_pipeline":        {"cluster:admin/ingest/pipeline/*"},
	"manage_ilm":             {"cluster:admin/ilm/*"},
	"read_ilm":               {"cluster:admin/ilm/get", "cluster:admin/ilm/operation_mode/get"},
	"manage_own_api_key":     {"cluster:admin/xpack/security/api_key/*"},
	"manage_api_key":         {"cluster:admin/xpack/security/api_key/*"},
	"manage_security":        {"cluster:admin/xpack/security/*"},
}

// wildcard matches s against a pattern in which * matches any run of
// characters and ? any one character.
func wildcard(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if wildcard(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && wildcard(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && wildcard(pattern[1:], s[1:])
}

func grants(patterns []string, action string) bool {
	for _, p := range patterns {
		if wildcard(p, action) {
			return true
		}
	}
	return false
}

// grantsCluster reports whether the role grants a cluster-level action.
func (r *Role) grantsCluster(action string) bool {
	for _, p := range r.Cluster {
		if pats, ok := clusterPrivileges[p]; ok {
			if grants(pats, action) {
				return true
			}
		} else if wildcard(p, action) {
			return true
		}
	}
	return false
}

// grantsIndex reports whether the role grants action on the index, alias
// or data stream called name.
func (r *Role) grantsIndex(action, name string) bool {
	for _, ip := range r.Indices {
		named := false
		for _, n := range ip.Names {
			if wildcard(n, name) {
				named = true
				break
			}
		}
		if !named {
			continue
		}
		for _, p := range ip.Privileges {
			if indexPrivilegeGrants(p, action) {
				return true
			}
		}
	}
	return false
}

// grantsIndexAnywhere reports whether the role grants action on any name,
// which is how Elasticsearch authorizes the coordinating bulk action
// before it authorizes each item.
func (r *Role) grantsIndexAnywhere(action string) bool {
	for _, ip := range r.Indices {
		for _, p := range ip.Privileges {
			if indexPrivilegeGrants(p, action) {
				return true
			}
		}
	}
	return false
}

// indexPrivilegeGrants reports whether index privilege p, a named
// privilege or an action pattern, grants action.
func indexPrivilegeGrants(p, action string) bool {
	if pats, ok := indexPrivileges[p]; ok {
		return grants(pats, action)
	}
	return wildcard(p, action)
}

// grantedBy names the privileges that would grant action, in
// Elasticsearch's order.
func grantedBy(order []string, table map[string][]string, action string) string {
	var names []string
	for _, n := range order {
		if grants(table[n], action) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ",")
}

// principal describes who is asking, as Elasticsearch's messages do:
// "user [u] with effective roles [r]" or "API key id [i] of user [u]".
type principal string

func (p principal) clusterDenied(action string) string {
	return fmt.Sprintf("action [%s] is unauthorized for %s, this action is granted by the cluster privileges [%s]",
		action, p, grantedBy(clusterPrivilegeOrder, clusterPrivileges, action))
}

func (p principal) indexDenied(action string, names []string) string {
	on := ""
	if len(names) > 0 {
		on = " on indices [" + strings.Join(names, ",") + "]"
	}
	return fmt.Sprintf("action [%s] is unauthorized for %s%s, this action is granted by the index privileges [%s]",
		action, p, on, grantedBy(indexPrivilegeOrder, indexPrivileges, action))
}

// grant is what a request may do: a nil role may do anything.
type grant struct {
	role *Role
	who  principal
}

type grantKey struct{}

// grantOf returns the grant serve attached to r.
func grantOf(r *http.Request) grant {
	g, _ := r.Context().Value(grantKey{}).(grant)
	return g
}

// apiKeyGrant is an API key made with POST _security/api_key.
type apiKeyGrant struct {
	id, name    string
	role        *Role // nil: the owner's rights, unrestricted here
	invalidated bool
}

// authenticate checks r's credentials: an API key made with the
// _security API (its role_descriptors apply), a user made with it (its
// roles apply, users.go), or the configured
// credentials (the EnforceRole role applies; none configured: anyone).
func (s *Server) authenticate(r *http.Request, apiKey, user, pass string) (grant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if scheme, key, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "ApiKey") {
		if k := s.keys[key]; k != nil {
			if k.invalidated {
				return grant{}, false
			}
			return grant{role: k.role, who: principal(fmt.Sprintf("API key id [%s] of user [elastic]", k.id))}, true
		}
	}
	if u, p, ok := r.BasicAuth(); ok {
		if g, found, ok := s.nativeUser(u, p); found {
			return g, ok
		}
	}
	if !authorized(r, apiKey, user, pass) {
		return grant{}, false
	}
	name := "elastic"
	if u, _, ok := r.BasicAuth(); ok {
		name = u
	} else if apiKey != "" {
		name = "api_key"
	}
	if s.role == nil {
		return grant{who: principal(fmt.Sprintf("user [%s] with effective roles [superuser]", name))}, true
	}
	return grant{role: s.role, who: principal(fmt.Sprintf("user [%s] with effective roles [%s]", name, s.roleName))}, true
}

// EnforceRole makes every request made with the configured credentials
// (RequireAPIKey, RequireBasicAuth, or none) hold role, named name in
// messages: what the role does not grant is answered 403. A nil role
// stops enforcing. API keys made with POST _security/api_key hold their
// own role_descriptors instead. Setup tools that act as the superuser can still use
// the Server's own methods (PutTemplate, CreateIndex).
func (s *Server) EnforceRole(name string, role *Role) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.role, s.roleName = role, name
}

// PutTemplate stores an index template as an operator's setup job would,
// with rights the enforced role may lack.
func (s *Server) PutTemplate(name string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.templates[name] = append(json.RawMessage(nil), body...)
}

// check is one authorization a request needs: a cluster action (no
// names) or an index action on names.
type check struct {
	action  string
	names   []string
	cluster bool
	// anywhere: granted if the role grants action on any name.
	anywhere bool
}

// checks maps a request to what Elasticsearch authorizes it as. Call
// with s.mu held (wildcards are expanded against existing indices).
func (s *Server) checks(r *http.Request, body []byte) []check {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) == 1 && parts[0] == "" {
		parts = nil
	}
	cluster := func(a string) []check { return []check{{action: a, cluster: true}} }
	on := func(a, expr string) []check { return []check{{action: a, names: s.expand(a, expr)}} }
	readOnly := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case len(parts) == 0:
		return cluster("cluster:monitor/main")
	case parts[0] == "_security" && len(parts) >= 2:
		op := "put"
		switch {
		case r.Method == http.MethodDelete && parts[1] == "api_key":
			op = "invalidate"
		case r.Method == http.MethodDelete:
			op = "delete"
		case readOnly:
			op = "get"
		case parts[1] == "api_key":
			op = "create"
		case parts[1] == "user" && len(parts) == 4 && parts[3] == "_password":
			op = "change_password"
		}
		return cluster("cluster:admin/xpack/security/" + parts[1] + "/" + op)
	case parts[0] == "_bulk" || (len(parts) == 2 && parts[1] == "_bulk"):
		return []check{{action: "indices:data/write/bulk", anywhere: true}}
	case parts[0] == "_index_template":
		switch {
		case readOnly:
			return cluster("indices:admin/index_template/get")
		case r.Method == http.MethodDelete:
			return cluster("indices:admin/index_template/delete")
		}
		return cluster("indices:admin/index_template/put")
	case parts[0] == "_aliases" && r.Method == http.MethodPost:
		return s.aliasChecks(body)
	case parts[0] == "_alias":
		return on("indices:admin/aliases/get", "_all")
	case len(parts) >= 2 && parts[1] == "_alias":
		return on("indices:admin/aliases/get", parts[0])
	case parts[0] == "_cluster" && len(parts) >= 2 && parts[1] == "health":
		return cluster("cluster:monitor/health")
	case parts[0] == "_search" || parts[0] == "_count":
		return on("indices:data/read/search", "_all")
	case parts[0] == "_refresh":
		return on("indices:admin/refresh", "_all")
	case len(parts) == 2 && (parts[1] == "_search" || parts[1] == "_count"):
		return on("indices:data/read/search", parts[0])
	case len(parts) == 2 && parts[1] == "_refresh":
		return on("indices:admin/refresh", parts[0])
	case len(parts) == 2 && parts[1] == "_mapping":
		return on("indices:admin/mappings/get", parts[0])
	case len(parts) == 2 && parts[1] == "_update_by_query":
		// The action, then the scroll search it runs as the same user;
		// its writes are authorized per document (updateByQuery).
		return append(on("indices:data/write/update/byquery", parts[0]), on("indices:data/read/search", parts[0])...)
	case len(parts) == 3 && parts[1] == "_doc":
		return on("indices:data/read/get", parts[0])
	case len(parts) == 2 && parts[1] == "_mget":
		return on("indices:data/read/mget", parts[0])
	case len(parts) == 1 && !strings.HasPrefix(parts[0], "_"):
		switch r.Method {
		case http.MethodPut:
			cs := []check{{action: "indices:admin/create", names: []string{parts[0]}}}
			var b struct {
				Aliases map[string]json.RawMessage `json:"aliases"`
			}
			if json.Unmarshal(body, &b) == nil && len(b.Aliases) > 0 {
				names := []string{parts[0]}
				for a := range b.Aliases {
					names = append(names, a)
				}
				sort.Strings(names[1:])
				cs = append(cs, check{action: "indices:admin/aliases", names: names})
			}
			return cs
		case http.MethodDelete:
			return on("indices:admin/delete", parts[0])
		}
		return on("indices:admin/get", parts[0])
	}
	return nil
}

// aliasChecks authorizes POST _aliases: every action needs
// indices:admin/aliases on its indices and its aliases.
func (s *Server) aliasChecks(body []byte) []check {
	var b struct {
		Actions []map[string]struct {
			Index   string   `json:"index"`
			Indices []string `json:"indices"`
			Alias   string   `json:"alias"`
			Aliases []string `json:"aliases"`
		} `json:"actions"`
	}
	json.Unmarshal(body, &b)
	var names []string
	for _, a := range b.Actions {
		for _, spec := range a {
			for _, ix := range append([]string{spec.Index}, spec.Indices...) {
				if ix != "" {
					names = append(names, s.expand("indices:admin/aliases", ix)...)
				}
			}
			for _, al := range append([]string{spec.Alias}, spec.Aliases...) {
				if al != "" {
					names = append(names, al)
				}
			}
		}
	}
	return []check{{action: "indices:admin/aliases", names: names}}
}

// expand turns an index expression into the names to authorize: plain
// names as given, wildcards and _all as the existing indices they match.
func (s *Server) expand(action, expr string) []string {
	var out []string
	for _, part := range strings.Split(expr, ",") {
		part = strings.TrimSpace(part)
		if part != "_all" && part != "*" && !strings.Contains(part, "*") {
			out = append(out, part)
			continue
		}
		for _, ix := range s.resolve(part) {
			out = append(out, ix.name)
		}
	}
	return out
}

// authorize answers 403 and returns false when g's role does not grant
// what r needs. It reads and restores r.Body.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, g grant) bool {
	if g.role == nil {
		return true
	}
	role, who := g.role, g.who
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.mu.Lock()
	var denied string
	for _, c := range s.checks(r, body) {
		switch {
		case c.cluster:
			if !role.grantsCluster(c.action) {
				denied = who.clusterDenied(c.action)
			}
		case c.anywhere, len(c.names) == 0:
			// The coordinating bulk action, or a wildcard matching
			// nothing: granted if the role grants the action anywhere.
			if !role.grantsIndexAnywhere(c.action) {
				denied = who.indexDenied(c.action, nil)
			}
		default:
			var refused []string
			for _, n := range c.names {
				if !role.grantsIndex(c.action, n) {
					refused = append(refused, n)
				}
			}
			if len(refused) > 0 {
				denied = who.indexDenied(c.action, refused)
			}
		}
		if denied != "" {
			s.stats.Forbidden++
			break
		}
	}
	s.mu.Unlock()
	if denied == "" {
		return true
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusForbidden)
		return false
	}
	writeError(w, http.StatusForbidden, "security_exception", denied, nil)
	return false
}

// itemDenied authorizes one bulk item's action on its concrete index, and
// its index's automatic creation when the index is missing; it returns
// nil when allowed.
func (g grant) itemDenied(op, index string, exists bool) *ItemError {
	if g.role == nil {
		return nil
	}
	who := g.who
	if !exists {
		if a := "indices:admin/auto_create"; !g.role.grantsIndex(a, index) {
			return &ItemError{Status: http.StatusForbidden, Type: "security_exception", Reason: who.indexDenied(a, []string{index})}
		}
	}
	action := map[string]string{
		"index":  "indices:data/write/index:op_type/index",
		"create": "indices:data/write/index:op_type/create",
		"delete": "indices:data/write/delete",
		"update": "indices:data/write/update",
	}[op]
	if !g.role.grantsIndex(action, index) {
		return &ItemError{Status: http.StatusForbidden, Type: "security_exception", Reason: who.indexDenied(action, []string{index})}
	}
	return nil
}

// security serves the part of the _security API tests need: PUT and
// DELETE _security/role/{name} (a role Elasticsearch would refuse is
// refused), _security/user (users.go), POST _security/api_key with role_descriptors (the key then
// holds them), and DELETE _security/api_key (invalidate by ids).
func (s *Server) security(w http.ResponseWriter, r *http.Request, rest []string) {
	switch {
	case len(rest) >= 2 && rest[0] == "user":
		s.usersAPI(w, r, rest[1:])
	case len(rest) == 2 && rest[0] == "role" && (r.Method == http.MethodPut || r.Method == http.MethodPost):
		b, _ := readBody(r)
		role, err := ParseRole(b)
		if err != nil {
			writeError(w, http.StatusBadRequest, "illegal_argument_exception", err.Error(), nil)
			return
		}
		s.mu.Lock()
		_, existed := s.roles[rest[1]]
		s.roles[rest[1]] = role
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"role": map[string]any{"created": !existed}})
	case len(rest) == 2 && rest[0] == "role" && r.Method == http.MethodDelete:
		s.mu.Lock()
		_, found := s.roles[rest[1]]
		delete(s.roles, rest[1])
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"found": found})
	case len(rest) == 1 && rest[0] == "api_key" && (r.Method == http.MethodPost || r.Method == http.MethodPut):
		b, _ := readBody(r)
		var req struct {
			Name            string                     `json:"name"`
			RoleDescriptors map[string]json.RawMessage `json:"role_descriptors"`
		}
		if err := json.Unmarshal(b, &req); err != nil || req.Name == "" {
			writeError(w, http.StatusBadRequest, "action_request_validation_exception", "Validation Failed: 1: api key name is required;", nil)
			return
		}
		k := &apiKeyGrant{name: req.Name}
		if len(req.RoleDescriptors) > 0 {
			k.role = &Role{}
			for name, raw := range req.RoleDescriptors {
				rd, err := ParseRole(raw)
				if err != nil {
					writeError(w, http.StatusBadRequest, "illegal_argument_exception", "role descriptor ["+name+"]: "+err.Error(), nil)
					return
				}
				k.role.Cluster = append(k.role.Cluster, rd.Cluster...)
				k.role.Indices = append(k.role.Indices, rd.Indices...)
			}
		}
		s.mu.Lock()
		k.id = fmt.Sprintf("estestkey%04d", len(s.keys)+1)
		secret := uuidFor(k.id + req.Name)
		encoded := base64.StdEncoding.EncodeToString([]byte(k.id + ":" + secret))
		s.keys[encoded] = k
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"id": k.id, "name": req.Name, "api_key": secret, "encoded": encoded})
	case len(rest) == 1 && rest[0] == "api_key" && r.Method == http.MethodDelete:
		b, _ := readBody(r)
		var req struct {
			IDs []string `json:"ids"`
		}
		json.Unmarshal(b, &req)
		var done []string
		s.mu.Lock()
		for _, k := range s.keys {
			for _, id := range req.IDs {
				if k.id == id && !k.invalidated {
					k.invalidated = true
					done = append(done, id)
				}
			}
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"invalidated_api_keys": done, "previously_invalidated_api_keys": []string{}, "error_count": 0})
	default:
		writeError(w, http.StatusBadRequest, "illegal_argument_exception",
			fmt.Sprintf("request [%s] contains unrecognized path [%s] (estest implements only what newsflow uses)", r.Method, r.URL.Path), nil)
	}
}
