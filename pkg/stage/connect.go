package stage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Connect dials NATS with the configured authentication and TLS, and
// reconnects forever: a stage outlives NATS restarts and leader changes.
func Connect(cfg NATSConfig, name string, log *zap.Logger) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name("newsflow-" + name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.ReconnectJitter(500*time.Millisecond, time.Second),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", zap.Error(err))
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats reconnected", zap.String("server", nc.ConnectedUrlRedacted()))
		}),
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("nats connect attempt failed", zap.Error(err))
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			log.Warn("nats async error", zap.String("subject", subject), zap.Error(err))
		}),
	}
	if cfg.InProcess != nil {
		opts = append(opts, nats.InProcessServer(cfg.InProcess))
	}
	if cfg.User != "" {
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	}
	if cfg.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	if cfg.NKeyFile != "" {
		opt, err := nats.NkeyOptionFromSeed(cfg.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("nats nkey %s: %w", cfg.NKeyFile, err)
		}
		opts = append(opts, opt)
	}
	if cfg.InboxPrefix != "" {
		opts = append(opts, nats.CustomInboxPrefix(cfg.InboxPrefix))
	}
	if cfg.CACert != "" {
		opts = append(opts, nats.RootCAs(cfg.CACert))
	}
	if cfg.Cert != "" {
		opts = append(opts, nats.ClientCert(cfg.Cert, cfg.Key))
	}
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", MaskURL(cfg.URL), err)
	}
	return nc, nil
}

// Stream names of the pipeline. Each subject has its own stream so that
// operators size, age and replay each hop on its own.
const (
	StreamRaw      = "ARTICLES_RAW"
	StreamCleaned  = "ARTICLES_CLEANED"
	StreamDeduped  = "ARTICLES_DEDUPED"
	StreamEnriched = "ARTICLES_ENRICHED"
	StreamStoried  = "ARTICLES_STORIED"
	StreamStories  = "STORIES"
	StreamDead     = "ARTICLES_DEAD"
)

// StreamFor returns the stream that stores subject.
func StreamFor(subject string) string {
	switch subject {
	case SubjectRaw:
		return StreamRaw
	case SubjectCleaned:
		return StreamCleaned
	case SubjectDeduped:
		return StreamDeduped
	case SubjectEnriched:
		return StreamEnriched
	case SubjectStoried:
		return StreamStoried
	case SubjectStories:
		return StreamStories
	}
	return StreamDead
}

// StreamConfigs returns the pipeline's stream definitions.
func StreamConfigs(cfg StreamsConfig) []jetstream.StreamConfig {
	define := func(name, subject, description string) jetstream.StreamConfig {
		return jetstream.StreamConfig{
			Name:        name,
			Description: description,
			Subjects:    []string{subject},
			Retention:   jetstream.LimitsPolicy,
			Storage:     jetstream.FileStorage,
			Discard:     jetstream.DiscardOld,
			MaxAge:      cfg.MaxAge,
			MaxBytes:    cfg.MaxBytes,
			MaxMsgSize:  maxMsgSize,
			Replicas:    cfg.Replicas,
			Duplicates:  cfg.DuplicateWindow,
		}
	}
	return []jetstream.StreamConfig{
		define(StreamRaw, SubjectRaw, "raw articles from scrapers"),
		define(StreamCleaned, SubjectCleaned, "cleaned documents from ingest"),
		define(StreamDeduped, SubjectDeduped, "documents flagged for syndication by dedupe"),
		define(StreamEnriched, SubjectEnriched, "documents with entities from enrich"),
		define(StreamStoried, SubjectStoried, "documents with their story from the stories stage"),
		define(StreamStories, SubjectStories, "story snapshots from the stories stage"),
		define(StreamDead, SubjectDeadPrefix+">", "dead letters with their reasons"),
	}
}

// maxMsgSize leaves room for headers on top of the largest article.
const maxMsgSize = 8 << 20

// EnsureStreams creates or updates every pipeline stream. It is
// idempotent, so every replica of every service calls it at start. With
// cfg.Provision off it only checks that every stream exists.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, cfg StreamsConfig) error {
	for _, sc := range StreamConfigs(cfg) {
		if !cfg.Provision {
			if _, err := js.Stream(ctx, sc.Name); err != nil {
				return fmt.Errorf("stream %s (NEWSFLOW_STREAM_PROVISION=false: an operator creates it, e.g. nats stream add --config deploy/nats/streams/%s.json): %w", sc.Name, sc.Name, err)
			}
			continue
		}
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("provision stream %s: %w", sc.Name, err)
		}
	}
	return nil
}

// NewLogger returns a JSON production logger at level.
func NewLogger(level string) (*zap.Logger, error) {
	lvl, err := parseLevel(level)
	if err != nil {
		return nil, err
	}
	zc := zap.NewProductionConfig()
	zc.Level = zap.NewAtomicLevelAt(lvl)
	zc.EncoderConfig = logEncoderConfig()
	// An error log is an operator's message, not a bug report: a routine
	// failure (Elasticsearch not up in time, a refused setting) prints
	// one line, without the stack trace zap's production config adds
	// from the error level up. Only a logged panic carries one.
	zc.DisableStacktrace = true
	return zc.Build(zap.AddStacktrace(zapcore.DPanicLevel))
}

// logEncoderConfig is the production encoder with ISO 8601 times,
// durations with their unit ("1.5s", not 1.5) and callers without the
// module's pseudo-version ("stage/runtime.go:120").
func logEncoderConfig() zapcore.EncoderConfig {
	ec := zap.NewProductionEncoderConfig()
	ec.TimeKey = "time"
	ec.EncodeTime = zapcore.ISO8601TimeEncoder
	ec.EncodeDuration = zapcore.StringDurationEncoder
	ec.EncodeCaller = func(c zapcore.EntryCaller, enc zapcore.PrimitiveArrayEncoder) {
		short := c.TrimmedPath()
		if at := strings.Index(short, "@"); at >= 0 {
			if slash := strings.Index(short[at:], "/"); slash >= 0 {
				short = short[:at] + short[at+slash:]
			}
		}
		enc.AppendString(short)
	}
	return ec
}

func parseLevel(level string) (zapcore.Level, error) {
	var lvl zapcore.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return lvl, errors.New("want debug, info, warn or error")
	}
	return lvl, nil
}
