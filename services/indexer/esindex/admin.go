package esindex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"go.uber.org/zap"
)

// ErrResponse means Elasticsearch answered an administrative call with an
// error status; the message carries its error type and reason.
var ErrResponse = errors.New("elasticsearch error response")

// ErrForbidden means the credentials lack a privilege for an
// administrative call (HTTP 403), typically manage_index_templates
// for the template when deploy/setup installs it with operator rights.
var ErrForbidden = errors.New("elasticsearch refused the credentials for this call")

// ErrUnavailable means Elasticsearch answered with a status that passes:
// 429 (too many requests) or 5xx, as while it boots, elects a master or
// recovers its shards. It comes with ErrResponse.
var ErrUnavailable = errors.New("elasticsearch unavailable")

// ErrNoIndices means an alias swap found no index to point the alias at.
var ErrNoIndices = errors.New("no indices to alias")

// esError is Elasticsearch's error envelope.
type esError struct {
	Error struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error"`
	Status int `json:"status"`
}

func responseError(op string, res *esapi.Response) error {
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	kind := ErrResponse
	switch {
	case res.StatusCode == http.StatusForbidden:
		kind = fmt.Errorf("%w: %w", ErrResponse, ErrForbidden)
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		kind = fmt.Errorf("%w: %w", ErrResponse, ErrUnavailable)
	}
	var e esError
	if json.Unmarshal(body, &e) == nil && e.Error.Type != "" || res.StatusCode == http.StatusForbidden {
		return fmt.Errorf("%s: %w: %d %s: %s", op, kind, res.StatusCode, e.Error.Type, e.Error.Reason)
	}
	return fmt.Errorf("%s: %w: %d %s", op, kind, res.StatusCode, strings.TrimSpace(string(body)))
}

func errorType(res *esapi.Response) (string, []byte) {
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	var e esError
	json.Unmarshal(body, &e)
	res.Body = io.NopCloser(bytes.NewReader(body))
	return e.Error.Type, body
}

// InstallTemplate puts tpl unless Elasticsearch already has it at the
// same or a newer version, so that it is idempotent and an older binary
// never downgrades a newer layout. It reports whether it wrote.
func InstallTemplate(ctx context.Context, es *elasticsearch.Client, tpl IndexTemplate, log *zap.Logger) (bool, error) {
	want := tpl.Version()
	res, err := es.Indices.GetIndexTemplate(es.Indices.GetIndexTemplate.WithName(tpl.Name),
		es.Indices.GetIndexTemplate.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("get index template %s: %w", tpl.Name, err)
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusNotFound:
	case res.IsError():
		return false, responseError("get index template "+tpl.Name, res)
	default:
		var got struct {
			IndexTemplates []struct {
				Name          string `json:"name"`
				IndexTemplate struct {
					Version *int64 `json:"version"`
				} `json:"index_template"`
			} `json:"index_templates"`
		}
		if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
			return false, fmt.Errorf("get index template %s: decode: %w", tpl.Name, err)
		}
		for _, t := range got.IndexTemplates {
			if t.Name == tpl.Name && t.IndexTemplate.Version != nil && *t.IndexTemplate.Version >= want {
				log.Info("index template up to date", zap.String("template", tpl.Name),
					zap.Int64("installed_version", *t.IndexTemplate.Version), zap.Int64("our_version", want))
				return false, nil
			}
		}
	}
	put, err := es.Indices.PutIndexTemplate(tpl.Name, bytes.NewReader(tpl.body),
		es.Indices.PutIndexTemplate.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("put index template %s: %w", tpl.Name, err)
	}
	defer put.Body.Close()
	if put.IsError() {
		return false, responseError("put index template "+tpl.Name, put)
	}
	log.Info("index template installed", zap.String("template", tpl.Name), zap.Int64("version", want))
	return true, nil
}

// EnsureIndex creates index from the template, attached to alias when
// alias is not empty. An index that already exists is left as it is.
func EnsureIndex(ctx context.Context, es *elasticsearch.Client, index, alias string) error {
	body := `{}`
	if alias != "" {
		b, _ := json.Marshal(map[string]any{"aliases": map[string]any{alias: map[string]any{}}})
		body = string(b)
	}
	res, err := es.Indices.Create(index, es.Indices.Create.WithBody(strings.NewReader(body)),
		es.Indices.Create.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("create index %s: %w", index, err)
	}
	defer res.Body.Close()
	if !res.IsError() {
		return nil
	}
	if typ, _ := errorType(res); typ == "resource_already_exists_exception" {
		return nil
	}
	return responseError("create index "+index, res)
}

// GenerationIndices lists the existing monthly indices of prefix, sorted.
func GenerationIndices(ctx context.Context, es *elasticsearch.Client, prefix string) ([]string, error) {
	res, err := es.Indices.Get([]string{prefix + "-*"}, es.Indices.Get.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("list indices %s-*: %w", prefix, err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if res.IsError() {
		return nil, responseError("list indices", res)
	}
	var got map[string]json.RawMessage
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		return nil, fmt.Errorf("list indices: decode: %w", err)
	}
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `-\d{4}\.\d{2}$`)
	var out []string
	for name := range got {
		if re.MatchString(name) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// AliasIndices lists the indices alias points to, sorted.
func AliasIndices(ctx context.Context, es *elasticsearch.Client, alias string) ([]string, error) {
	res, err := es.Indices.GetAlias(es.Indices.GetAlias.WithName(alias), es.Indices.GetAlias.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("get alias %s: %w", alias, err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if res.IsError() {
		return nil, responseError("get alias "+alias, res)
	}
	var got map[string]json.RawMessage
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		return nil, fmt.Errorf("get alias: decode: %w", err)
	}
	var out []string
	for name := range got {
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}

// SwapAlias points alias at exactly the monthly indices of prefix, in one
// atomic POST _aliases: readers see either the old generation or the new,
// never both or neither. It returns the indices it removed the alias from.
func SwapAlias(ctx context.Context, es *elasticsearch.Client, alias, prefix string, log *zap.Logger) ([]string, error) {
	add, err := GenerationIndices(ctx, es, prefix)
	if err != nil {
		return nil, err
	}
	if len(add) == 0 {
		return nil, fmt.Errorf("swap alias %s to %s-*: %w", alias, prefix, ErrNoIndices)
	}
	current, err := AliasIndices(ctx, es, alias)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, n := range add {
		keep[n] = true
	}
	var actions []any
	var removed []string
	for _, n := range current {
		if !keep[n] {
			actions = append(actions, map[string]any{"remove": map[string]any{"index": n, "alias": alias}})
			removed = append(removed, n)
		}
	}
	for _, n := range add {
		actions = append(actions, map[string]any{"add": map[string]any{"index": n, "alias": alias}})
	}
	body, _ := json.Marshal(map[string]any{"actions": actions})
	res, err := es.Indices.UpdateAliases(bytes.NewReader(body), es.Indices.UpdateAliases.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("update aliases: %w", err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return nil, responseError("update aliases", res)
	}
	log.Info("read alias swapped", zap.String("alias", alias), zap.Strings("added", add), zap.Strings("removed", removed))
	return removed, nil
}
