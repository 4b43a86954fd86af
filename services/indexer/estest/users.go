package estest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// This file is the double's native realm: users made with PUT
// _security/user/{name} authenticate with basic credentials and hold the
// roles made with PUT _security/role (a role that does not exist grants
// nothing, as in Elasticsearch; roles are looked up at each request, so
// changing a role changes its users' rights). The reserved users exist
// from the start and only their password can be set, with POST
// _security/user/{name}/_password; the double does not model the reserved
// users' built-in roles, so they authenticate only as the configured
// credentials (RequireBasicAuth).

// User is a user of the native realm, as the double stores it.
type User struct {
	Name     string
	Password string
	Roles    []string
	FullName string
	// Reserved users (elastic, kibana_system, ...) exist from the start.
	Reserved bool
}

// reservedUsers are Elasticsearch 8's reserved users.
var reservedUsers = []string{"elastic", "kibana", "kibana_system", "logstash_system", "beats_system", "apm_system", "remote_monitoring_user"}

// minPasswordLength is the shortest password Elasticsearch accepts.
const minPasswordLength = 6

// User returns the stored user name, reserved or native.
func (s *Server) User(name string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[name]
	if !ok {
		return User{}, false
	}
	out := *u
	out.Roles = append([]string(nil), u.Roles...)
	return out, true
}

// Role returns the role stored under name by PUT _security/role.
func (s *Server) Role(name string) (*Role, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.roles[name]
	return r, ok
}

// nativeUser authenticates basic credentials against the native realm. It
// answers found=false for a name the realm does not hold (or a reserved
// user), so the configured credentials are tried next. Call with s.mu held.
func (s *Server) nativeUser(name, password string) (g grant, found, ok bool) {
	u := s.users[name]
	if u == nil || u.Reserved {
		return grant{}, false, false
	}
	if u.Password != password {
		return grant{}, true, false
	}
	role := &Role{} // no role, or only unknown ones: nothing granted
	for _, rn := range u.Roles {
		if r := s.roles[rn]; r != nil {
			role.Cluster = append(role.Cluster, r.Cluster...)
			role.Indices = append(role.Indices, r.Indices...)
		}
	}
	return grant{role: role, who: principal(fmt.Sprintf("user [%s] with effective roles [%s]", name, strings.Join(u.Roles, ",")))}, true, true
}

// users serves _security/user: PUT/POST {name} (create or update),
// POST/PUT {name}/_password, GET {name} and DELETE {name}, with
// Elasticsearch's validation and answers.
func (s *Server) usersAPI(w http.ResponseWriter, r *http.Request, rest []string) {
	name := rest[0]
	invalid := func(reason string) {
		writeError(w, http.StatusBadRequest, "action_request_validation_exception", "Validation Failed: 1: "+reason+";", nil)
	}
	switch {
	case len(rest) == 2 && rest[1] == "_password" && (r.Method == http.MethodPost || r.Method == http.MethodPut):
		var req struct {
			Password string `json:"password"`
		}
		b, _ := readBody(r)
		if err := json.Unmarshal(b, &req); err != nil {
			writeError(w, http.StatusBadRequest, "x_content_parse_exception", "[1:1] "+err.Error(), nil)
			return
		}
		if len(req.Password) < minPasswordLength {
			invalid(fmt.Sprintf("passwords must be at least [%d] characters long", minPasswordLength))
			return
		}
		s.mu.Lock()
		u := s.users[name]
		if u != nil {
			u.Password = req.Password
		}
		s.mu.Unlock()
		if u == nil {
			writeError(w, http.StatusBadRequest, "validation_exception", "Validation Failed: 1: user must exist in order to change password;", nil)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	case len(rest) == 1 && (r.Method == http.MethodPut || r.Method == http.MethodPost):
		var req struct {
			Password *string        `json:"password"`
			Roles    []string       `json:"roles"`
			FullName string         `json:"full_name"`
			Email    string         `json:"email"`
			Metadata map[string]any `json:"metadata"`
			Enabled  *bool          `json:"enabled"`
		}
		b, _ := readBody(r)
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, "x_content_parse_exception", "[1:1] "+err.Error(), nil)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		old := s.users[name]
		switch {
		case old != nil && old.Reserved:
			invalid("Username [" + name + "] is reserved and may not be used.")
			return
		case req.Password == nil && old == nil:
			invalid("password must be specified unless you are updating an existing user")
			return
		case req.Password != nil && len(*req.Password) < minPasswordLength:
			invalid(fmt.Sprintf("passwords must be at least [%d] characters long", minPasswordLength))
			return
		case req.Roles == nil:
			invalid("roles are missing")
			return
		}
		u := &User{Name: name, Roles: req.Roles, FullName: req.FullName}
		if req.Password != nil {
			u.Password = *req.Password
		} else {
			u.Password = old.Password
		}
		s.users[name] = u
		writeJSON(w, http.StatusOK, map[string]any{"created": old == nil})
	case len(rest) == 1 && r.Method == http.MethodGet:
		s.mu.Lock()
		u := s.users[name]
		var body map[string]any
		if u != nil {
			roles := append([]string{}, u.Roles...)
			sort.Strings(roles)
			body = map[string]any{name: map[string]any{"username": name, "roles": roles, "full_name": u.FullName,
				"email": nil, "metadata": map[string]any{}, "enabled": true}}
		}
		s.mu.Unlock()
		if u == nil {
			writeJSON(w, http.StatusNotFound, map[string]any{})
			return
		}
		writeJSON(w, http.StatusOK, body)
	case len(rest) == 1 && r.Method == http.MethodDelete:
		s.mu.Lock()
		u := s.users[name]
		if u != nil && u.Reserved {
			s.mu.Unlock()
			invalid("user [" + name + "] is reserved and cannot be deleted")
			return
		}
		delete(s.users, name)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"found": u != nil})
	default:
		writeError(w, http.StatusBadRequest, "illegal_argument_exception",
			fmt.Sprintf("request [%s] contains unrecognized path [%s] (estest implements only what newsflow uses)", r.Method, r.URL.Path), nil)
	}
}
