package indexer

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer/esindex"
)

// ErrConfig means the configuration cannot work; the message says which
// setting to change.
var ErrConfig = errors.New("invalid indexer configuration")

// Config configures the Elasticsearch side of the indexer. Every field has
// an environment variable and a flag; Flags binds them.
type Config struct {
	// URL lists the Elasticsearch nodes, comma-separated (NEWSFLOW_ES_URL
	// or its synonym NEWSFLOW_ES_URLS). Empty disables Elasticsearch.
	URL string
	// APIKey is the base64 "id:key" API key (NEWSFLOW_ES_API_KEY). It
	// takes precedence over basic auth.
	APIKey string
	// Username and Password are basic-auth credentials
	// (NEWSFLOW_ES_USERNAME, NEWSFLOW_ES_PASSWORD).
	Username, Password string
	// CACert is a PEM file of certificate authorities to trust
	// (NEWSFLOW_ES_CA_CERT), for clusters with their own CA.
	CACert string

	// IndexPrefix names the monthly indices PREFIX-YYYY.MM
	// (NEWSFLOW_INDEXER_INDEX_PREFIX, default newsflow-articles). Change
	// it to a replay's name after the replay's alias swap.
	IndexPrefix string
	// Alias is the read alias (NEWSFLOW_INDEXER_ALIAS, default
	// newsflow-articles).
	Alias string
	// StoryIndex is the story index (NEWSFLOW_INDEXER_STORY_INDEX,
	// default newsflow-stories), where story snapshots are written.
	StoryIndex string
	// FlushInterval is the bulk flush period (NEWSFLOW_INDEXER_FLUSH_INTERVAL,
	// default 1s); keep it well under the JetStream ack wait.
	FlushInterval time.Duration
	// FlushBytes is the bulk request size that triggers a flush
	// (NEWSFLOW_INDEXER_FLUSH_BYTES, default 1048576).
	FlushBytes int
	// Workers is the number of concurrent bulk requests
	// (NEWSFLOW_INDEXER_WORKERS, default 2).
	Workers int
	// MaxInFlight bounds documents held by the writer
	// (NEWSFLOW_INDEXER_MAX_INFLIGHT, default 1024).
	MaxInFlight int
	// RequestTimeout bounds one bulk request
	// (NEWSFLOW_INDEXER_REQUEST_TIMEOUT, default 10s).
	RequestTimeout time.Duration
	// RetryTimeout bounds the retries of one rejected item before the
	// message is nak'ed (NEWSFLOW_INDEXER_RETRY_TIMEOUT, default 0: retry
	// while the runtime holds the message).
	RetryTimeout time.Duration
	// DownWait is how long a document waits for an unreachable
	// Elasticsearch before its message is nak'ed
	// (NEWSFLOW_INDEXER_DOWN_WAIT, default 0: wait while the runtime holds
	// the message, so an outage burns no deliveries).
	DownWait time.Duration
	// StartTimeout bounds the wait for Elasticsearch at start
	// (NEWSFLOW_INDEXER_START_TIMEOUT, default 60s; 0 waits without
	// limit). The process then exits with the last reason.
	StartTimeout time.Duration
	// StartWaiting, when set, receives the reason of each failed attempt
	// to reach Elasticsearch at start (for /readyz). It has no
	// environment variable.
	StartWaiting func(error)
	// Registerer receives the bulk writer's metrics; nil registers none.
	// It has no environment variable.
	Registerer prometheus.Registerer
}

// DefaultConfig returns the defaults, with no Elasticsearch URL.
func DefaultConfig() Config {
	return Config{
		IndexPrefix:    esindex.DefaultPrefix,
		Alias:          esindex.Alias,
		StoryIndex:     esindex.DefaultStoryIndex,
		FlushInterval:  time.Second,
		FlushBytes:     1 << 20,
		Workers:        2,
		MaxInFlight:    1024,
		RequestTimeout: 10 * time.Second,
		StartTimeout:   60 * time.Second,
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Flags binds every setting to a flag whose default comes from its
// environment variable, for stage.Service.Flags.
func (c *Config) Flags(e *stage.EnvFlags) {
	e.String(&c.URL, "es-url", "NEWSFLOW_ES_URL", "Elasticsearch URLs, comma separated (required)")
	e.String(&c.URL, "es-urls", "NEWSFLOW_ES_URLS", "synonym of -es-url")
	e.Secret(&c.APIKey, "es-api-key", "NEWSFLOW_ES_API_KEY", "Elasticsearch API key, base64 id:key (secret)")
	e.String(&c.Username, "es-username", "NEWSFLOW_ES_USERNAME", "Elasticsearch basic-auth user")
	e.Secret(&c.Password, "es-password", "NEWSFLOW_ES_PASSWORD", "Elasticsearch basic-auth password (secret)")
	e.String(&c.CACert, "es-ca-cert", "NEWSFLOW_ES_CA_CERT", "PEM file of CAs to trust for Elasticsearch TLS")
	e.String(&c.IndexPrefix, "index-prefix", "NEWSFLOW_INDEXER_INDEX_PREFIX", "monthly indices are PREFIX-YYYY.MM")
	e.String(&c.Alias, "index-alias", "NEWSFLOW_INDEXER_ALIAS", "read alias over the live indices")
	e.String(&c.StoryIndex, "story-index", "NEWSFLOW_INDEXER_STORY_INDEX", "index of the story snapshots")
	e.Duration(&c.FlushInterval, "flush-interval", "NEWSFLOW_INDEXER_FLUSH_INTERVAL", "bulk flush period; well under the ack wait")
	e.Int(&c.FlushBytes, "flush-bytes", "NEWSFLOW_INDEXER_FLUSH_BYTES", "bulk request size that triggers a flush")
	e.Int(&c.Workers, "bulk-workers", "NEWSFLOW_INDEXER_WORKERS", "concurrent bulk requests")
	e.Int(&c.MaxInFlight, "max-inflight", "NEWSFLOW_INDEXER_MAX_INFLIGHT", "documents held by the bulk writer at most")
	e.Duration(&c.RequestTimeout, "es-request-timeout", "NEWSFLOW_INDEXER_REQUEST_TIMEOUT", "timeout of one bulk request")
	e.Duration(&c.RetryTimeout, "es-retry-timeout", "NEWSFLOW_INDEXER_RETRY_TIMEOUT", "retries of a rejected item before a nak")
	e.Duration(&c.DownWait, "es-down-wait", "NEWSFLOW_INDEXER_DOWN_WAIT", "wait for an unreachable Elasticsearch before a nak")
	e.Duration(&c.StartTimeout, "es-start-timeout", "NEWSFLOW_INDEXER_START_TIMEOUT", "wait for Elasticsearch at start; 0 waits without limit")
}

// URLs returns the configured node URLs.
func (c Config) URLs() []string { return splitList(c.URL) }

// Enabled reports whether an Elasticsearch URL is configured.
func (c Config) Enabled() bool { return len(c.URLs()) > 0 }

// Validate reports every setting that cannot work, joined.
func (c Config) Validate() error {
	var problems []string
	if !c.Enabled() {
		problems = append(problems, "NEWSFLOW_ES_URL(S) is empty: set it to the Elasticsearch URL, e.g. https://localhost:9200")
	}
	for _, u := range c.URLs() {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			problems = append(problems, fmt.Sprintf("Elasticsearch URL %q: want http(s)://host:port", redactURL(u)))
		} else if p.User != nil {
			problems = append(problems, fmt.Sprintf("Elasticsearch URL %q carries credentials: use NEWSFLOW_ES_USERNAME/PASSWORD or NEWSFLOW_ES_API_KEY", redactURL(u)))
		}
	}
	if (c.Username == "") != (c.Password == "") {
		problems = append(problems, "set both NEWSFLOW_ES_USERNAME and NEWSFLOW_ES_PASSWORD, or neither")
	}
	if c.CACert != "" {
		if _, err := os.Stat(c.CACert); err != nil {
			problems = append(problems, fmt.Sprintf("NEWSFLOW_ES_CA_CERT: %v", err))
		}
	}
	if err := esindex.CheckPrefix(c.IndexPrefix); err != nil {
		problems = append(problems, "NEWSFLOW_INDEXER_INDEX_PREFIX: "+err.Error())
	}
	if c.Alias == "" {
		problems = append(problems, "NEWSFLOW_INDEXER_ALIAS is empty")
	}
	if err := esindex.CheckStoryIndex(c.StoryIndex); err != nil {
		problems = append(problems, "NEWSFLOW_INDEXER_STORY_INDEX: "+err.Error())
	}
	if c.FlushInterval <= 0 || c.FlushInterval > 10*time.Second {
		problems = append(problems, fmt.Sprintf("NEWSFLOW_INDEXER_FLUSH_INTERVAL=%s: want (0, 10s], well under the JetStream ack wait", c.FlushInterval))
	}
	if c.FlushBytes < 4<<10 {
		problems = append(problems, fmt.Sprintf("NEWSFLOW_INDEXER_FLUSH_BYTES=%d: want at least 4096", c.FlushBytes))
	}
	if c.Workers < 1 || c.MaxInFlight < 1 {
		problems = append(problems, "NEWSFLOW_INDEXER_WORKERS and NEWSFLOW_INDEXER_MAX_INFLIGHT must be at least 1")
	}
	if c.RequestTimeout <= 0 {
		problems = append(problems, "NEWSFLOW_INDEXER_REQUEST_TIMEOUT must be positive")
	}
	if c.RetryTimeout < 0 || c.DownWait < 0 || c.StartTimeout < 0 {
		problems = append(problems, "NEWSFLOW_INDEXER_RETRY_TIMEOUT, NEWSFLOW_INDEXER_DOWN_WAIT and NEWSFLOW_INDEXER_START_TIMEOUT must be 0 (no limit) or positive")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrConfig, strings.Join(problems, "; "))
	}
	return nil
}

func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	if p.User != nil {
		p.User = url.User("REDACTED")
	}
	return p.String()
}

// String prints the configuration with secrets masked, for the start log.
func (c Config) String() string {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "****"
	}
	var urls []string
	for _, u := range c.URLs() {
		urls = append(urls, redactURL(u))
	}
	return fmt.Sprintf("es_urls=%s api_key=%s username=%s password=%s ca_cert=%s index_prefix=%s alias=%s story_index=%s flush_interval=%s flush_bytes=%d workers=%d max_inflight=%d request_timeout=%s retry_timeout=%s down_wait=%s",
		strings.Join(urls, ","), mask(c.APIKey), c.Username, mask(c.Password), c.CACert, c.IndexPrefix, c.Alias, c.StoryIndex,
		c.FlushInterval, c.FlushBytes, c.Workers, c.MaxInFlight, c.RequestTimeout, c.RetryTimeout, c.DownWait)
}
