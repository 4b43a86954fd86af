// Package indexer is the last stage of newsflow: it writes enriched
// articles to Elasticsearch, the sink of articles.storied.
//
// An Indexer owns one long-lived bulk writer (package bulk) and the index
// layout (package esindex). New connects, waits for Elasticsearch within
// StartTimeout and installs the index template idempotently; Process is the
// stage function, returning (nil, nil) only once the article's own bulk
// item succeeded; Close flushes. A Replay writes a new generation of
// indices and then swaps the read alias onto it, for `newsflow replay`
// after a mapping change. The embedded Bleve index and `newsflow search`
// live in bleveindex and search.
package indexer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/elastic/go-elasticsearch/v8"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer/bulk"
	"github.com/newsflow/newsflow/services/indexer/esindex"
)

// ErrCACert means NEWSFLOW_ES_CA_CERT holds no usable PEM certificate.
var ErrCACert = errors.New("no PEM certificate in CA file")

// Indexer writes documents to Elasticsearch.
type Indexer struct {
	cfg Config
	es  *elasticsearch.Client
	w   *bulk.Writer
	log *zap.Logger
}

// NewClient builds a go-elasticsearch client from cfg: API key or basic
// auth, the CA file, and the client's own retries disabled (the bulk
// writer retries failed items only). Nothing it logs carries a secret.
func NewClient(cfg Config) (*elasticsearch.Client, error) {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		MaxIdleConnsPerHost:   cfg.Workers + 4,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: cfg.RequestTimeout,
		TLSHandshakeTimeout:   10 * time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
	if cfg.CACert != "" {
		pem, err := os.ReadFile(cfg.CACert)
		if err != nil {
			return nil, fmt.Errorf("read NEWSFLOW_ES_CA_CERT: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: %w", cfg.CACert, ErrCACert)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	ec := elasticsearch.Config{
		Addresses:    cfg.URLs(),
		APIKey:       cfg.APIKey,
		DisableRetry: true,
		Transport:    tr,
	}
	if cfg.APIKey == "" {
		ec.Username, ec.Password = cfg.Username, cfg.Password
	}
	es, err := elasticsearch.NewClient(ec)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch client: %w", err)
	}
	return es, nil
}

// New connects to Elasticsearch, waiting up to cfg.StartTimeout for it to
// answer, installs the index template if it is missing or older, and
// starts the bulk writer. cfg.Registerer receives the writer's metrics.
func New(ctx context.Context, cfg Config, log *zap.Logger) (*Indexer, error) {
	return newIndexer(ctx, cfg, cfg.IndexPrefix, cfg.Alias, log, cfg.Registerer)
}

func newIndexer(ctx context.Context, cfg Config, prefix, alias string, log *zap.Logger, reg prometheus.Registerer) (*Indexer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log.Info("elasticsearch indexer starting", zap.Stringer("config", cfg))
	es, err := NewClient(cfg)
	if err != nil {
		return nil, err
	}
	if err := install(ctx, es, cfg.StartTimeout, log); err != nil {
		return nil, err
	}
	w, err := bulk.New(es, bulk.Config{
		Prefix:         prefix,
		Alias:          alias,
		StoryIndex:     cfg.StoryIndex,
		FlushBytes:     cfg.FlushBytes,
		FlushInterval:  cfg.FlushInterval,
		Workers:        cfg.Workers,
		MaxInFlight:    cfg.MaxInFlight,
		RequestTimeout: cfg.RequestTimeout,
		RetryTimeout:   cfg.RetryTimeout,
		DownWait:       cfg.DownWait,
		Metrics:        bulk.NewMetrics(reg),
	}, log)
	if err != nil {
		return nil, err
	}
	return &Indexer{cfg: cfg, es: es, w: w, log: log}, nil
}

// install retries the template installation with backoff until it works
// or timeout passes: Elasticsearch often starts after its clients.
func install(ctx context.Context, es *elasticsearch.Client, timeout time.Duration, log *zap.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	bo := backoff.WithContext(backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(200*time.Millisecond),
		backoff.WithMaxInterval(5*time.Second),
		backoff.WithMaxElapsedTime(0)), ctx)
	var last error
	for _, tpl := range esindex.Templates() {
		err := installOne(ctx, es, tpl, bo, &last, log)
		if err != nil {
			if ctx.Err() != nil && last != nil {
				return fmt.Errorf("install index template %s: elasticsearch not reachable within %s: %w", tpl.Name, timeout, last)
			}
			return fmt.Errorf("install index template %s: %w", tpl.Name, err)
		}
	}
	return nil
}

// installOne installs tpl, retrying with bo while Elasticsearch does not
// answer; last receives the latest such error.
func installOne(ctx context.Context, es *elasticsearch.Client, tpl esindex.IndexTemplate, bo backoff.BackOff, last *error, log *zap.Logger) error {
	bo.Reset()
	return backoff.Retry(func() error {
		_, err := esindex.InstallTemplate(ctx, es, tpl, log)
		if errors.Is(err, esindex.ErrForbidden) {
			// A least-privilege indexer user (deploy/setup's
			// newsflow_indexer role) may not manage templates; setup
			// installs the same file with operator rights (a deploy test
			// checks both files are identical). If it has not, indices
			// created now get dynamic mappings: the warning says so.
			log.Warn("not allowed to manage the index template; relying on the one deploy/setup installs (without it, new indices get dynamic mappings)", zap.String("template", tpl.Name), zap.Error(err))
			return nil
		}
		if err != nil && !errors.Is(err, esindex.ErrResponse) {
			*last = err
			log.Warn("waiting for elasticsearch", zap.Error(err))
			return err
		}
		if err != nil {
			// Elasticsearch answered and refused: retrying won't help.
			return backoff.Permanent(err)
		}
		return nil
	}, bo)
}

// Process is the stage function: it returns (nil, nil) once doc is safely
// in Elasticsearch, a stage.Permanent error for a document Elasticsearch
// rejects (mapping or parse error, with its reason), and a retryable
// error otherwise.
//
// A whole bulk request that failed (Elasticsearch answering 503, a
// timeout) or an unreachable cluster is marked stage.Unavailable: the
// message is retried with backoff but never dead-lettered for it, so an
// outage or a burst of 5xx costs no good article.
func (ix *Indexer) Process(ctx context.Context, doc *schema.Document) (*schema.Document, error) {
	err := ix.w.Index(ctx, doc)
	if errors.Is(err, bulk.ErrRequest) || errors.Is(err, bulk.ErrUnavailable) {
		return nil, stage.Unavailable(err)
	}
	return nil, err
}

// Up reports whether Elasticsearch is considered reachable, for /readyz.
func (ix *Indexer) Up() bool { return ix.w.Up() }

// Client returns the Elasticsearch client, for search and administration.
func (ix *Indexer) Client() *elasticsearch.Client { return ix.es }

// Close flushes buffered documents and waits for their results under ctx.
func (ix *Indexer) Close(ctx context.Context) error {
	return ix.w.Close(ctx)
}

// ErrReplayName means a replay's index name cannot be used.
var ErrReplayName = errors.New("bad replay index name")

// DefaultReplayName names a replay generation after its start time, e.g.
// newsflow-articles-r20261121t0805.
func DefaultReplayName(now time.Time) string {
	return esindex.PatternPrefix + "r" + now.UTC().Format("20060102t1504")
}

// Replay writes a new generation of monthly indices, NAME-YYYY.MM, without
// the read alias, so readers keep seeing the current generation until
// Commit moves the alias in one atomic step.
type Replay struct {
	*Indexer
	name string
}

// NewReplay starts a replay into the generation name (see
// DefaultReplayName). name must start with "newsflow-articles-" so the
// template applies, and differ from the live prefix.
func NewReplay(ctx context.Context, cfg Config, name string, log *zap.Logger) (*Replay, error) {
	if err := esindex.CheckPrefix(name); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrReplayName, err)
	}
	if name == cfg.IndexPrefix || name == esindex.DefaultPrefix {
		return nil, fmt.Errorf("%w: %q is the live generation; pick a new name", ErrReplayName, name)
	}
	ix, err := newIndexer(ctx, cfg, name, "", log, nil)
	if err != nil {
		return nil, err
	}
	return &Replay{Indexer: ix, name: name}, nil
}

// Name returns the generation's prefix.
func (r *Replay) Name() string { return r.name }

// Commit flushes the replay and points the read alias at its indices,
// removing it from every other index in the same _aliases call. It returns
// the indices the alias left. Afterwards, set NEWSFLOW_INDEXER_INDEX_PREFIX
// to Name() for the live indexer.
func (r *Replay) Commit(ctx context.Context) ([]string, error) {
	if err := r.Close(ctx); err != nil {
		return nil, err
	}
	return esindex.SwapAlias(ctx, r.es, r.cfg.Alias, r.name, r.log)
}
