// Package intake takes raw articles from scrapers, over HTTP and from
// files, and publishes them to articles.raw on JetStream.
//
// Every article is validated with schema.DecodeRaw before it is
// published, so that the pipeline only sees well-formed input and the
// sender learns at once what was wrong. Each publish carries the
// article's stable id as Nats-Msg-Id, so a retried publish within the
// stream's duplicate window is stored once, and waits for the stream's
// acknowledgement: an article is reported accepted only once JetStream
// has stored it. When JetStream cannot take more (a full stream with
// DiscardNew, no responders, a timeout), the publish fails with
// ErrUnavailable and nothing is dropped silently: HTTP answers 503 with
// Retry-After and the file publisher waits and retries.
package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"go.uber.org/zap"
)

// ErrUnavailable means JetStream could not store the article now (stream
// full, no responders, timeout); the same publish may succeed later.
var ErrUnavailable = errors.New("jetstream unavailable, retry later")

// ErrRejected means JetStream refused this article for good, for example
// because it exceeds the server's maximum payload.
var ErrRejected = errors.New("rejected by jetstream")

// ErrTooLarge means the article, encoded with its headers, is larger than
// the NATS server's max_payload, so it can never be stored; such errors
// also wrap ErrRejected. HTTP answers 413.
var ErrTooLarge = errors.New("article larger than the NATS server's max_payload")

// DefaultPublishTimeout bounds the wait for one acknowledgement.
const DefaultPublishTimeout = 5 * time.Second

// Publisher publishes validated raw articles to articles.raw.
type Publisher struct {
	js      jetstream.JetStream
	subject string
	timeout time.Duration
	log     *zap.Logger
	metrics *Metrics
	backlog *stage.Backlog
	// source is given to the articles of files that name none.
	source string
}

// NewPublisher returns a Publisher on stage.SubjectRaw. A nil log logs
// nothing.
func NewPublisher(js jetstream.JetStream, log *zap.Logger) *Publisher {
	if log == nil {
		log = zap.NewNop()
	}
	return &Publisher{js: js, subject: stage.SubjectRaw, timeout: DefaultPublishTimeout, log: log}
}

// WithBacklog makes every publish first check the ingest stage's backlog:
// over its limit, the article is not published and the error wraps
// ErrUnavailable (HTTP answers 503 with Retry-After, files wait).
func (p *Publisher) WithBacklog(b *stage.Backlog) *Publisher {
	p.backlog = b
	return p
}

// MaxArticleBytes is the largest encoded article the publisher can store:
// schema.MaxArticleBytes, or less when the NATS server's max_payload
// (read from the connection, so a reconnect to another server counts)
// leaves less room once stage.HeaderRoom is kept for headers.
func (p *Publisher) MaxArticleBytes() int {
	if mp := p.js.Conn().MaxPayload(); mp > 0 && mp-stage.HeaderRoom < schema.MaxArticleBytes {
		return int(max(mp-stage.HeaderRoom, 0))
	}
	return schema.MaxArticleBytes
}

// MaxPayload is the NATS server's max_payload, 0 before the first
// connection.
func (p *Publisher) MaxPayload() int64 { return p.js.Conn().MaxPayload() }

// WithSource makes PublishPaths give the articles of files that name no
// source this one, instead of their folder's name.
func (p *Publisher) WithSource(source string) *Publisher {
	p.source = source
	return p
}

// ArticleID returns the id an article is published under: its stable
// document id, from the URL when it has one, else from title and text
// (or HTML).
func ArticleID(a *schema.RawArticle) string {
	body := a.Text
	if strings.TrimSpace(body) == "" {
		body = a.HTML
	}
	return schema.DocumentID(a.Source, a.URL, a.Title, body)
}

// Publish stores one article and returns its id, and whether JetStream
// dropped it as a duplicate: the same id was stored within the stream's
// duplicate window, so nothing new enters the pipeline. The article must
// have been validated. Errors wrap ErrUnavailable or ErrRejected.
func (p *Publisher) Publish(ctx context.Context, a *schema.RawArticle) (id string, duplicate bool, err error) {
	data, err := json.Marshal(a)
	if err != nil {
		return "", false, fmt.Errorf("%w: encode: %v", ErrRejected, err)
	}
	id = ArticleID(a)
	duplicate, err = p.publishData(ctx, id, data)
	return id, duplicate, err
}

func (p *Publisher) publishData(ctx context.Context, id string, data []byte) (duplicate bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	if err := p.backlog.Check(ctx); err != nil {
		return false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	msg := &nats.Msg{Subject: p.subject, Data: data, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, id)
	if err := p.fits(msg); err != nil {
		return false, err
	}
	start := time.Now()
	ack, err := p.js.PublishMsg(ctx, msg)
	p.metrics.published(time.Since(start).Seconds())
	if ferr := p.fits(msg); errors.Is(err, nats.ErrMaxPayload) && ferr != nil {
		err = ferr // connected meanwhile to a server with a lower max_payload
	}
	if err != nil {
		return false, classify(err)
	}
	p.backlog.Sent()
	if ack.Duplicate {
		p.log.Debug("duplicate publish", zap.String("article_id", id), zap.Uint64("stream_seq", ack.Sequence))
	}
	return ack.Duplicate, nil
}

// fits returns an ErrTooLarge error that names the setting when msg is
// over the NATS server's max_payload.
func (p *Publisher) fits(msg *nats.Msg) error {
	size := int64(msg.Size() - len(msg.Subject))
	if limit := p.MaxPayload(); limit > 0 && size > limit {
		return fmt.Errorf("%w (%w): %d bytes encoded with headers, the server takes at most %d; an operator raises max_payload in the NATS server's configuration", ErrRejected, ErrTooLarge, size, limit)
	}
	return nil
}

// classify maps a publish error to ErrUnavailable (retry later) or
// ErrRejected (this message can never be stored).
func classify(err error) error {
	if errors.Is(err, ErrRejected) {
		return err
	}
	if errors.Is(err, nats.ErrMaxPayload) {
		return fmt.Errorf("%w (%w): %v", ErrRejected, ErrTooLarge, err)
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.Code >= 400 && apiErr.Code < 500 && apiErr.Code != 408 && apiErr.Code != 429 {
		return fmt.Errorf("%w: %v", ErrRejected, err)
	}
	// A stream configured with DiscardNew that is full ("maximum
	// messages exceeded", "maximum bytes exceeded") is an APIError with
	// code 503; no responders, timeouts and cancelled contexts mean the
	// same to a sender: nothing was stored, try again later.
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}
