package stage

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"
)

// Config is what every service shares: how to reach NATS, how streams are
// provisioned, how the stage consumes, and where it serves HTTP. Each field
// is set from a NEWSFLOW_* environment variable or the matching flag; a
// flag wins over the environment.
type Config struct {
	NATS     NATSConfig
	Streams  StreamsConfig
	Consumer ConsumerConfig
	// HTTPAddr serves /metrics, /healthz, /readyz and service routes.
	HTTPAddr string
	// HTTPTLSCert and HTTPTLSKey, when set, serve HTTPS instead (the
	// intake's bearer token must not travel in clear).
	HTTPTLSCert, HTTPTLSKey string
	// PProf serves the Go profiler under /debug/pprof/ on HTTPAddr. Off by
	// default: profiles show internals an operator's network should not.
	PProf bool
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// ShutdownTimeout bounds the whole ordered drain on SIGTERM.
	ShutdownTimeout time.Duration
	// MemoryLimit is the Go runtime's soft memory limit
	// (ApplyMemoryLimit); 0 leaves the runtime's own (GOMEMLIMIT, or
	// none).
	MemoryLimit ByteSize
}

// NATSConfig says how to connect to NATS. Password, Token-like secrets and
// key files are masked when the config is logged.
type NATSConfig struct {
	URL       string
	User      string
	Password  string
	CredsFile string
	NKeyFile  string
	// InboxPrefix replaces _INBOX for replies, so that a server can let
	// each user read only its own replies (e.g. "_INBOX_ingest").
	InboxPrefix string
	CACert      string
	Cert        string
	Key         string
	// InProcess, when set, is a NATS server in this process (newsflow
	// run's embedded one): Connect opens each connection to it through an
	// in-memory pipe (nats.InProcessServer) instead of dialling URL, so
	// messages between the stages and the server skip the loopback TCP
	// stack and its system calls. It is no setting (no flag or variable):
	// only code that starts the server can hand it over.
	InProcess nats.InProcessConnProvider
}

// StreamsConfig shapes every pipeline stream.
type StreamsConfig struct {
	// Replicas is 1 on a single server, 3 on a cluster.
	Replicas int
	// MaxAge is how long messages stay for replay (limits retention).
	MaxAge time.Duration
	// MaxBytes caps each stream; when full, the oldest messages make room
	// (discard old). Consumed messages stay for replay until then;
	// unread ones are protected by the backlog (ConsumerConfig.MaxBacklog
	// messages, or half of MaxBytes), which makes producers wait long
	// before a stream fills. JetStream reserves it on disk up front. -1
	// means no cap.
	MaxBytes int64
	// DuplicateWindow is how long a Nats-Msg-Id is remembered.
	DuplicateWindow time.Duration
	// Provision creates or updates the streams at start. With it off the
	// service only checks that they exist, so its NATS user needs no
	// right to create or reconfigure streams; an operator provisions them.
	Provision bool
}

// ConsumerConfig shapes a stage's durable consumer.
type ConsumerConfig struct {
	// Batch is how many messages a replica buffers from the server.
	Batch int
	// Concurrency is how many messages a replica processes at once.
	Concurrency int
	// MaxDeliver is how many deliveries a message gets before it is
	// dead-lettered with its last error.
	MaxDeliver int
	// AckWait is how long the server waits for an ack before redelivery.
	AckWait time.Duration
	// MaxAckPending caps unacknowledged messages across all replicas.
	MaxAckPending int
	// RetryMin and RetryMax bound the NakWithDelay backoff.
	RetryMin time.Duration
	RetryMax time.Duration
	// MaxBacklog is how many unfinished messages the next stage may have
	// before this one waits to publish (and intake answers 503). Keep it
	// well below what a stream holds: streams make room by dropping their
	// oldest messages, which must never be unread ones. 0 disables it.
	MaxBacklog uint64
}

// DefaultConfig returns the settings used when nothing is set.
func DefaultConfig() Config {
	return Config{
		NATS: NATSConfig{URL: "nats://127.0.0.1:4222"},
		Streams: StreamsConfig{
			Replicas:        1,
			MaxAge:          7 * 24 * time.Hour,
			MaxBytes:        1 << 30,
			DuplicateWindow: 2 * time.Minute,
			Provision:       true,
		},
		Consumer: ConsumerConfig{
			Batch:         256,
			Concurrency:   16,
			MaxDeliver:    5,
			AckWait:       30 * time.Second,
			MaxAckPending: 4096,
			RetryMin:      time.Second,
			RetryMax:      time.Minute,
			MaxBacklog:    100_000,
		},
		HTTPAddr:        ":8080",
		LogLevel:        "info",
		ShutdownTimeout: 30 * time.Second,
	}
}

// Flags binds c to e's flag set. Each flag's default comes from its
// environment variable when set, else from c; malformed environment
// values are reported by e.Err.
func (c *Config) Flags(e *EnvFlags) {
	e.String(&c.NATS.URL, "nats-url", "NEWSFLOW_NATS_URL", "NATS server URLs, comma separated")
	e.String(&c.NATS.User, "nats-user", "NEWSFLOW_NATS_USER", "NATS user")
	e.Secret(&c.NATS.Password, "nats-password", "NEWSFLOW_NATS_PASSWORD", "NATS password (secret)")
	e.String(&c.NATS.CredsFile, "nats-creds", "NEWSFLOW_NATS_CREDS", "NATS credentials file (JWT + nkey)")
	e.String(&c.NATS.NKeyFile, "nats-nkey", "NEWSFLOW_NATS_NKEY", "NATS nkey seed file")
	e.String(&c.NATS.InboxPrefix, "nats-inbox-prefix", "NEWSFLOW_NATS_INBOX_PREFIX", "reply subject prefix instead of _INBOX (per-user inbox permissions)")
	e.String(&c.NATS.CACert, "nats-ca-cert", "NEWSFLOW_NATS_CA_CERT", "CA certificate file for NATS TLS")
	e.String(&c.NATS.Cert, "nats-cert", "NEWSFLOW_NATS_CERT", "client certificate file for NATS mTLS")
	e.String(&c.NATS.Key, "nats-key", "NEWSFLOW_NATS_KEY", "client key file for NATS mTLS")
	e.Int(&c.Streams.Replicas, "stream-replicas", "NEWSFLOW_STREAM_REPLICAS", "replicas of every stream and KV bucket")
	e.Duration(&c.Streams.MaxAge, "stream-max-age", "NEWSFLOW_STREAM_MAX_AGE", "how long streams keep messages for replay")
	e.Int64(&c.Streams.MaxBytes, "stream-max-bytes", "NEWSFLOW_STREAM_MAX_BYTES", "size cap per stream in bytes; -1 for none")
	e.Bool(&c.Streams.Provision, "stream-provision", "NEWSFLOW_STREAM_PROVISION", "create or update the streams at start; false only checks they exist (an operator provisions them)")
	e.Int(&c.Consumer.Batch, "batch", "NEWSFLOW_BATCH", "messages buffered per replica")
	e.Int(&c.Consumer.Concurrency, "concurrency", "NEWSFLOW_CONCURRENCY", "messages processed at once per replica")
	e.Int(&c.Consumer.MaxDeliver, "max-deliver", "NEWSFLOW_MAX_DELIVER", "deliveries before a message is dead-lettered")
	e.Duration(&c.Consumer.AckWait, "ack-wait", "NEWSFLOW_ACK_WAIT", "time before an unacknowledged message is redelivered")
	e.Uint64(&c.Consumer.MaxBacklog, "max-backlog", "NEWSFLOW_MAX_BACKLOG", "unfinished messages the next stage may have before publishing waits (intake answers 503); 0 disables")
	e.String(&c.HTTPAddr, "http-addr", "NEWSFLOW_HTTP_ADDR", "address for /metrics, /healthz, /readyz")
	e.String(&c.HTTPTLSCert, "http-tls-cert", "NEWSFLOW_HTTP_TLS_CERT", "certificate file: serve HTTPS")
	e.String(&c.HTTPTLSKey, "http-tls-key", "NEWSFLOW_HTTP_TLS_KEY", "key file of the HTTPS certificate")
	e.Bool(&c.PProf, "pprof", "NEWSFLOW_PPROF", "serve the Go profiler under /debug/pprof/ on the HTTP address")
	e.String(&c.LogLevel, "log-level", "NEWSFLOW_LOG_LEVEL", "debug, info, warn or error")
	e.Duration(&c.ShutdownTimeout, "shutdown-timeout", "NEWSFLOW_SHUTDOWN_TIMEOUT", "deadline for the ordered drain on SIGTERM")
	e.Size(&c.MemoryLimit, "memory-limit", "NEWSFLOW_MEMORY_LIMIT", "the Go runtime's soft memory limit, e.g. 400MiB: the collector works harder as the heap nears it (set it below the container's limit)")
}

// Validate reports every setting that cannot work, in words an operator
// can act on.
func (c *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.NATS.URL) == "" {
		errs = append(errs, errors.New("NEWSFLOW_NATS_URL is empty: set it to the NATS server, e.g. nats://nats:4222"))
	}
	if c.NATS.CredsFile != "" && (c.NATS.User != "" || c.NATS.NKeyFile != "") {
		errs = append(errs, errors.New("NEWSFLOW_NATS_CREDS excludes NEWSFLOW_NATS_USER and NEWSFLOW_NATS_NKEY: choose one way to authenticate"))
	}
	if (c.HTTPTLSCert == "") != (c.HTTPTLSKey == "") {
		errs = append(errs, errors.New("NEWSFLOW_HTTP_TLS_CERT and NEWSFLOW_HTTP_TLS_KEY go together: set both or neither"))
	}
	if (c.NATS.Cert == "") != (c.NATS.Key == "") {
		errs = append(errs, errors.New("NEWSFLOW_NATS_CERT and NEWSFLOW_NATS_KEY go together: set both or neither"))
	}
	if r := c.Streams.Replicas; r < 1 || r > 5 {
		errs = append(errs, fmt.Errorf("NEWSFLOW_STREAM_REPLICAS=%d: JetStream allows 1 to 5", r))
	}
	if c.Streams.MaxAge <= 0 {
		errs = append(errs, fmt.Errorf("NEWSFLOW_STREAM_MAX_AGE=%s: must be positive", c.Streams.MaxAge))
	}
	if c.Streams.MaxBytes == 0 || c.Streams.MaxBytes < -1 {
		errs = append(errs, fmt.Errorf("NEWSFLOW_STREAM_MAX_BYTES=%d: use a positive size or -1 for no cap", c.Streams.MaxBytes))
	}
	if c.Consumer.Batch < 1 {
		errs = append(errs, fmt.Errorf("NEWSFLOW_BATCH=%d: must be at least 1", c.Consumer.Batch))
	}
	if c.Consumer.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("NEWSFLOW_CONCURRENCY=%d: must be at least 1", c.Consumer.Concurrency))
	}
	if c.Consumer.MaxDeliver < 1 {
		errs = append(errs, fmt.Errorf("NEWSFLOW_MAX_DELIVER=%d: must be at least 1", c.Consumer.MaxDeliver))
	}
	if c.Consumer.AckWait < time.Second {
		errs = append(errs, fmt.Errorf("NEWSFLOW_ACK_WAIT=%s: must be at least 1s", c.Consumer.AckWait))
	}
	if c.Consumer.MaxAckPending < c.Consumer.Concurrency {
		errs = append(errs, fmt.Errorf("max ack pending %d is below concurrency %d", c.Consumer.MaxAckPending, c.Consumer.Concurrency))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, fmt.Errorf("NEWSFLOW_LOG_LEVEL: %w", err))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("NEWSFLOW_SHUTDOWN_TIMEOUT=%s: must be positive", c.ShutdownTimeout))
	}
	if c.MemoryLimit != 0 && c.MemoryLimit < minMemoryLimit {
		errs = append(errs, fmt.Errorf("NEWSFLOW_MEMORY_LIMIT=%s: below %s the collector would run without pause; leave it unset for no limit", c.MemoryLimit, ByteSize(minMemoryLimit)))
	}
	return errors.Join(errs...)
}

// LogFields describes c for the startup log with every secret masked.
func (c *Config) LogFields() []zap.Field {
	return []zap.Field{
		zap.String("nats_url", MaskURL(c.NATS.URL)),
		zap.String("nats_user", c.NATS.User),
		zap.String("nats_password", Mask(c.NATS.Password)),
		zap.String("nats_creds", c.NATS.CredsFile),
		zap.String("nats_nkey", c.NATS.NKeyFile),
		zap.Bool("nats_tls", c.NATS.CACert != "" || c.NATS.Cert != ""),
		zap.Int("stream_replicas", c.Streams.Replicas),
		zap.Duration("stream_max_age", c.Streams.MaxAge),
		zap.Int64("stream_max_bytes", c.Streams.MaxBytes),
		zap.Bool("stream_provision", c.Streams.Provision),
		zap.Int("batch", c.Consumer.Batch),
		zap.Int("concurrency", c.Consumer.Concurrency),
		zap.Int("max_deliver", c.Consumer.MaxDeliver),
		zap.Duration("ack_wait", c.Consumer.AckWait),
		zap.Uint64("max_backlog", c.Consumer.MaxBacklog),
		zap.String("http_addr", c.HTTPAddr),
		zap.Bool("http_tls", c.HTTPTLSCert != ""),
		zap.Bool("pprof", c.PProf),
		zap.String("log_level", c.LogLevel),
		zap.Duration("shutdown_timeout", c.ShutdownTimeout),
		zap.Stringer("memory_limit", c.MemoryLimit),
	}
}

// Mask hides a secret: "" stays empty (so "unset" is visible), anything
// else becomes "****".
func Mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "****"
}

// MaskURL hides the password of every user:password@ in a comma-separated
// URL list.
func MaskURL(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		at := strings.LastIndex(p, "@")
		scheme := strings.Index(p, "://")
		if at < 0 || scheme < 0 || at < scheme {
			continue
		}
		userinfo := p[scheme+3 : at]
		if colon := strings.Index(userinfo, ":"); colon >= 0 {
			userinfo = userinfo[:colon] + ":****"
		} else {
			userinfo = "****"
		}
		parts[i] = p[:scheme+3] + userinfo + p[at:]
	}
	return strings.Join(parts, ",")
}

// EnvFlags registers flags whose defaults come from environment
// variables. Services use it for their own settings so that every
// setting has one env name and one flag.
type EnvFlags struct {
	FlagSet *flag.FlagSet
	// Lookup reads the environment; nil means os.LookupEnv.
	Lookup func(string) (string, bool)
	errs   []error
	// read are the variables the settings read, for Unknown.
	read map[string]bool
}

func (e *EnvFlags) env(name string) (string, bool) {
	if e.read == nil {
		e.read = map[string]bool{}
	}
	e.read[name] = true
	if e.Lookup != nil {
		return e.Lookup(name)
	}
	return os.LookupEnv(name)
}

func (e *EnvFlags) usage(env, usage string) string {
	return fmt.Sprintf("%s (env %s)", usage, env)
}

// String binds a string setting.
func (e *EnvFlags) String(p *string, flagName, env, usage string) {
	if v, ok := e.env(env); ok {
		*p = v
	}
	e.FlagSet.StringVar(p, flagName, *p, e.usage(env, usage))
}

// Secret binds a secret string setting. Unlike String, the value read
// from the environment is not shown as the flag's default in -help.
func (e *EnvFlags) Secret(p *string, flagName, env, usage string) {
	v, ok := e.env(env)
	e.FlagSet.StringVar(p, flagName, "", e.usage(env, usage))
	if ok {
		*p = v
	}
}

// Int binds an int setting.
func (e *EnvFlags) Int(p *int, flagName, env, usage string) {
	if v, ok := e.env(env); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: want a whole number", env, v))
		} else {
			*p = n
		}
	}
	e.FlagSet.IntVar(p, flagName, *p, e.usage(env, usage))
}

// Int64 binds an int64 setting.
func (e *EnvFlags) Int64(p *int64, flagName, env, usage string) {
	if v, ok := e.env(env); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: want a whole number", env, v))
		} else {
			*p = n
		}
	}
	e.FlagSet.Int64Var(p, flagName, *p, e.usage(env, usage))
}

// Uint64 binds an unsigned setting.
func (e *EnvFlags) Uint64(p *uint64, flagName, env, usage string) {
	if v, ok := e.env(env); ok {
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: want a whole number of at least 0", env, v))
		} else {
			*p = n
		}
	}
	e.FlagSet.Uint64Var(p, flagName, *p, e.usage(env, usage))
}

// Float64 binds a float setting.
func (e *EnvFlags) Float64(p *float64, flagName, env, usage string) {
	if v, ok := e.env(env); ok {
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: want a number", env, v))
		} else {
			*p = n
		}
	}
	e.FlagSet.Float64Var(p, flagName, *p, e.usage(env, usage))
}

// Bool binds a boolean setting.
func (e *EnvFlags) Bool(p *bool, flagName, env, usage string) {
	if v, ok := e.env(env); ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: want true or false", env, v))
		} else {
			*p = b
		}
	}
	e.FlagSet.BoolVar(p, flagName, *p, e.usage(env, usage))
}

// Duration binds a duration setting ("30s", "168h").
func (e *EnvFlags) Duration(p *time.Duration, flagName, env, usage string) {
	if v, ok := e.env(env); ok {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: want a duration such as 30s or 168h", env, v))
		} else {
			*p = d
		}
	}
	e.FlagSet.DurationVar(p, flagName, *p, e.usage(env, usage))
}

// Size binds a size setting ("400MiB", ByteSize).
func (e *EnvFlags) Size(p *ByteSize, flagName, env, usage string) {
	if v, ok := e.env(env); ok {
		if err := p.Set(v); err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%w", env, err))
		}
	}
	e.FlagSet.Var(p, flagName, e.usage(env, usage))
}

// Err reports every malformed environment value seen so far.
func (e *EnvFlags) Err() error { return errors.Join(e.errs...) }

// UnknownVar is a NEWSFLOW_* variable that no setting reads: a
// misspelling, or a setting of another service or version.
type UnknownVar struct {
	Name string
	// Suggestion is the setting it most likely meant, "" when none is
	// close.
	Suggestion string
}

// Unknown returns the NEWSFLOW_* variables in environ (os.Environ()'s
// KEY=value form) that none of the registered settings reads, sorted,
// each with the closest setting's name when it is one or two edits away.
// Call it after every setting is registered.
func (e *EnvFlags) Unknown(environ []string) []UnknownVar {
	return UnknownSettings(environ, e)
}

// UnknownSettings is Unknown over several sets of settings, for a
// process that reads its settings through more than one (newsflow run:
// the stages' and its own).
func UnknownSettings(environ []string, sets ...*EnvFlags) []UnknownVar {
	read := map[string]bool{}
	for _, e := range sets {
		for name := range e.read {
			read[name] = true
		}
	}
	var out []UnknownVar
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "NEWSFLOW_") || read[name] {
			continue
		}
		u := UnknownVar{Name: name}
		best := 3
		for known := range read {
			if d := editDistance(name, known); d < best || d == best && known < u.Suggestion {
				best, u.Suggestion = d, known
			}
		}
		if best > 2 {
			u.Suggestion = ""
		}
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
