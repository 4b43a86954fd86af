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
	"cmp"
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
	// articles is where this indexer's articles are searched: the read
	// alias, or a replay generation's indices.
	articles  string
	survivors *survivors
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

// New connects to Elasticsearch, waiting up to cfg.StartTimeout (0: without
// limit) for it to answer, installs the index template if it is missing or older, and
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
	if err := install(ctx, es, cfg, log); err != nil {
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
	articles := alias
	if articles == "" {
		articles = prefix + "-*"
	}
	return &Indexer{cfg: cfg, es: es, w: w, log: log, articles: articles,
		survivors: newSurvivors(es, cfg.StoryIndex)}, nil
}

// install installs the index templates, waiting for Elasticsearch while
// it is unreachable or answers 429 or 5xx (as it does while it boots):
// with backoff from 200ms to 5s, for at most cfg.StartTimeout (0: without
// limit). Each failed attempt logs one line with its reason, the time
// waited and the next wait, and is handed to cfg.StartWaiting. Any other
// answer (bad credentials, a refused template) ends the start at once.
func install(ctx context.Context, es *elasticsearch.Client, cfg Config, log *zap.Logger) error {
	started := time.Now()
	wait, cancel := ctx, context.CancelFunc(func() {})
	if cfg.StartTimeout > 0 {
		wait, cancel = context.WithTimeout(ctx, cfg.StartTimeout)
	}
	defer cancel()
	giveUp := "never (NEWSFLOW_INDEXER_START_TIMEOUT=0)"
	if cfg.StartTimeout > 0 {
		giveUp = cfg.StartTimeout.String()
	}
	bo := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(200*time.Millisecond),
		backoff.WithMaxInterval(5*time.Second),
		backoff.WithMaxElapsedTime(0))
	attempt := 0
	var last error // the latest failure not caused by the wait ending
	for _, tpl := range esindex.Templates() {
		for {
			attempt++
			_, err := esindex.InstallTemplate(wait, es, tpl, log)
			if errors.Is(err, esindex.ErrForbidden) {
				// A least-privilege indexer user (deploy/setup's
				// newsflow_indexer role) may not manage templates; setup
				// installs the same file with operator rights (a deploy test
				// checks both files are identical). If it has not, indices
				// created now get dynamic mappings: the warning says so.
				log.Warn("not allowed to manage the index template; relying on the one deploy/setup installs (without it, new indices get dynamic mappings)", zap.String("template", tpl.Name), zap.Error(err))
				break
			}
			if err == nil {
				break
			}
			if errors.Is(err, esindex.ErrResponse) && !errors.Is(err, esindex.ErrUnavailable) {
				// Elasticsearch answered and refused: retrying won't help.
				return fmt.Errorf("install index template %s: %w", tpl.Name, err)
			}
			if wait.Err() == nil {
				last = err
				next := bo.NextBackOff()
				log.Warn("waiting for elasticsearch", zap.Int("attempt", attempt), zap.String("reason", err.Error()),
					zap.Duration("waited", time.Since(started).Round(time.Millisecond)), zap.Duration("next", next), zap.String("give_up_after", giveUp))
				if cfg.StartWaiting != nil {
					cfg.StartWaiting(err)
				}
				select {
				case <-wait.Done():
				case <-time.After(next):
					continue
				}
			}
			if ctx.Err() != nil {
				return fmt.Errorf("stopped while waiting for elasticsearch: %w", ctx.Err())
			}
			return fmt.Errorf("elasticsearch not ready after %s of waiting (NEWSFLOW_INDEXER_START_TIMEOUT=%s; 0 waits without limit), %d attempts; last: %w",
				time.Since(started).Round(time.Second), cfg.StartTimeout, attempt, cmp.Or(last, err))
		}
	}
	if attempt > len(esindex.Templates()) {
		log.Info("elasticsearch ready", zap.Duration("waited", time.Since(started).Round(time.Millisecond)), zap.Int("attempts", attempt))
	}
	return nil
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
//
// Once written, an article of a story that was merged meanwhile is moved
// to the surviving story with the rest of the merged story's articles
// (survivor.go says why each article checks), so every article ends with
// its surviving story_id.
func (ix *Indexer) Process(ctx context.Context, doc *schema.Document) (*schema.Document, error) {
	err := ix.w.Index(ctx, doc)
	if errors.Is(err, bulk.ErrRequest) || errors.Is(err, bulk.ErrUnavailable) {
		return nil, stage.Unavailable(err)
	}
	if err != nil || doc.StoryID == "" {
		return nil, err
	}
	into, n, err := ix.followMerge(ctx, doc.StoryID)
	if err != nil {
		// The redelivery is a 409, then the look-up again.
		return nil, mergeError(ctx, fmt.Errorf("story of %s: %w", doc.ID, err))
	}
	if into != doc.StoryID {
		ix.log.Info("article of a merged story re-pointed", zap.String("article_id", doc.ID),
			zap.String("story_id", doc.StoryID), zap.String("merged_into", into), zap.Int64("articles", n))
	}
	return nil, nil
}

// followMerge moves the articles of story id to the story it ended in,
// if it was merged: it looks the story up, re-points its articles to the
// survivor, and looks the survivor up again, until the story it re-points
// to is not merged (a merge of the survivor stored meanwhile might have
// re-pointed the survivor's articles before this one's arrived). It
// returns the final story and how many articles moved.
func (ix *Indexer) followMerge(ctx context.Context, id string) (string, int64, error) {
	var moved int64
	for range maxMergeHops {
		into, err := ix.survivors.of(ctx, id)
		if err != nil || into == id {
			return id, moved, err
		}
		n, err := esindex.RepointStory(ctx, ix.es, ix.articles, id, into)
		moved += n
		if err != nil {
			return id, moved, err
		}
		id = into
	}
	return id, moved, nil
}

// maxMergeHops bounds followMerge's rounds.
const maxMergeHops = 8

// mergeError classifies an error of followMerge: Elasticsearch not
// answering is an outage (never a reason to dead-letter), anything else
// a retryable error.
func mergeError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if !errors.Is(err, esindex.ErrResponse) && !errors.Is(err, esindex.ErrRepointConflicts) && ctx.Err() == nil {
		return stage.Unavailable(err)
	}
	return err
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
