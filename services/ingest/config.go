package ingest

import (
	"errors"
	"fmt"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/ingest/boilerplate"
	"github.com/newsflow/newsflow/services/ingest/clean"
	"github.com/newsflow/newsflow/services/ingest/lang"
)

// ErrConfig means the configuration is unusable; the message says which
// setting and what would work.
var ErrConfig = errors.New("invalid ingest configuration")

// Config is the ingest stage's configuration. Each field names its
// environment variable; DefaultConfig has the defaults.
type Config struct {
	// MaxTextBytes caps the text cleaned per article; longer text is cut
	// at a line break and marked truncated
	// (NEWSFLOW_INGEST_MAX_TEXT_BYTES, default 1 MiB).
	MaxTextBytes int
	// MaxHTMLBytes caps the HTML handed to the extractor; a larger page
	// is rejected (NEWSFLOW_INGEST_MAX_HTML_BYTES, default 4 MiB, the
	// schema's article limit).
	MaxHTMLBytes int
	// MinWords is the fewest words a cleaned body must keep; fewer is a
	// permanent error (NEWSFLOW_INGEST_MIN_WORDS, default 1).
	MinWords int
	// LearnBoilerplate learns per-source boilerplate in JetStream KV
	// (NEWSFLOW_INGEST_LEARN_BOILERPLATE, default true).
	LearnBoilerplate bool
	// BoilerplateBucket names the KV bucket
	// (NEWSFLOW_INGEST_BOILERPLATE_BUCKET, default ingest_boilerplate).
	BoilerplateBucket string
	// BoilerplateMinArticles is how many distinct articles of a source
	// must carry a line before it is removed
	// (NEWSFLOW_INGEST_BOILERPLATE_MIN_ARTICLES, default 3).
	BoilerplateMinArticles int
	// KVReplicas is the bucket's replication factor when ingest creates
	// it (NEWSFLOW_INGEST_KV_REPLICAS, default 1).
	KVReplicas int
	// LanguageMinConfidence is the detector confidence below which
	// language stays empty (NEWSFLOW_INGEST_LANGUAGE_MIN_CONFIDENCE,
	// default 0.5).
	LanguageMinConfidence float64
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		MaxTextBytes:           clean.DefaultMaxBytes,
		MaxHTMLBytes:           schema.MaxArticleBytes,
		MinWords:               1,
		LearnBoilerplate:       true,
		BoilerplateBucket:      boilerplate.DefaultBucket,
		BoilerplateMinArticles: 3,
		KVReplicas:             1,
		LanguageMinConfidence:  lang.DefaultMinConfidence,
	}
}

// Flags binds every setting to a flag whose default comes from its
// NEWSFLOW_INGEST_* variable.
func (c *Config) Flags(e *stage.EnvFlags) {
	e.Int(&c.MaxTextBytes, "ingest-max-text-bytes", "NEWSFLOW_INGEST_MAX_TEXT_BYTES", "text cleaned per article; longer text is truncated")
	e.Int(&c.MaxHTMLBytes, "ingest-max-html-bytes", "NEWSFLOW_INGEST_MAX_HTML_BYTES", "largest HTML page extracted; larger is rejected")
	e.Int(&c.MinWords, "ingest-min-words", "NEWSFLOW_INGEST_MIN_WORDS", "fewest words a cleaned body must keep")
	e.Bool(&c.LearnBoilerplate, "ingest-learn-boilerplate", "NEWSFLOW_INGEST_LEARN_BOILERPLATE", "learn per-source boilerplate lines in JetStream KV")
	e.String(&c.BoilerplateBucket, "ingest-boilerplate-bucket", "NEWSFLOW_INGEST_BOILERPLATE_BUCKET", "KV bucket of learned boilerplate")
	e.Int(&c.BoilerplateMinArticles, "ingest-boilerplate-min-articles", "NEWSFLOW_INGEST_BOILERPLATE_MIN_ARTICLES", "distinct articles of a source that must carry a line before it is removed")
	e.Int(&c.KVReplicas, "ingest-kv-replicas", "NEWSFLOW_INGEST_KV_REPLICAS", "replicas of the boilerplate bucket when ingest creates it")
	e.Float64(&c.LanguageMinConfidence, "ingest-language-min-confidence", "NEWSFLOW_INGEST_LANGUAGE_MIN_CONFIDENCE", "detector confidence below which language stays empty")
}

// Validate reports every setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...))
	}
	if c.MaxTextBytes < 1024 {
		bad("NEWSFLOW_INGEST_MAX_TEXT_BYTES %d: want at least 1024, e.g. 1048576", c.MaxTextBytes)
	}
	if c.MaxHTMLBytes < 1024 {
		bad("NEWSFLOW_INGEST_MAX_HTML_BYTES %d: want at least 1024, e.g. 4194304", c.MaxHTMLBytes)
	}
	if c.MinWords < 1 {
		bad("NEWSFLOW_INGEST_MIN_WORDS %d: want at least 1", c.MinWords)
	}
	if c.LearnBoilerplate {
		if c.BoilerplateBucket == "" {
			bad("NEWSFLOW_INGEST_BOILERPLATE_BUCKET is empty: want a bucket name such as %s", boilerplate.DefaultBucket)
		}
		if c.BoilerplateMinArticles < 2 {
			bad("NEWSFLOW_INGEST_BOILERPLATE_MIN_ARTICLES %d: want 2 or more (1 would remove every short paragraph)", c.BoilerplateMinArticles)
		}
		if c.KVReplicas != 1 && c.KVReplicas != 3 && c.KVReplicas != 5 {
			bad("NEWSFLOW_INGEST_KV_REPLICAS %d: want 1, 3 or 5", c.KVReplicas)
		}
	}
	if c.LanguageMinConfidence < 0 || c.LanguageMinConfidence > 1 {
		bad("NEWSFLOW_INGEST_LANGUAGE_MIN_CONFIDENCE %v: want a value in [0, 1], e.g. 0.5", c.LanguageMinConfidence)
	}
	return errors.Join(errs...)
}
