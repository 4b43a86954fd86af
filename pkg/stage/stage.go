// Package stage is the runtime every newsflow service runs on.
//
// A stage is a name, an input subject, an optional output subject and a
// function from one decoded input to one output document. The runtime owns
// everything else: a durable pull consumer shared by all replicas, bounded
// concurrency, publishing with de-duplication ids, acknowledgement,
// retries with capped backoff, dead letters, in-progress signals, metrics
// and an ordered drain. No service acks by hand.
//
// Backpressure: before publishing, a stage waits while the next stage's
// backlog (its durable consumer's undelivered plus unacknowledged
// messages) is over ConsumerConfig.MaxBacklog, holding its message with
// in-progress signals. Streams keep consumed messages for replay and drop
// their oldest when full, so the backlog limit is what keeps unread
// messages safe.
//
// The mapping from a Process result to JetStream is in one place (Run):
//
//	output published and acknowledged  -> Ack
//	nil output (a sink) and nil error  -> Ack
//	retryable error                    -> NakWithDelay(capped exponential backoff)
//	Permanent error, or decode failure -> dead letter with the reason, then Term
//	retryable error at MaxDeliver      -> dead letter with the reason, then Term
//	Unavailable error                  -> NakWithDelay, whatever the delivery count
package stage

import (
	"context"
	"errors"

	"github.com/newsflow/newsflow/pkg/schema"
)

// Subjects of the pipeline, in order.
const (
	SubjectRaw      = "articles.raw"
	SubjectCleaned  = "articles.cleaned"
	SubjectDeduped  = "articles.deduped"
	SubjectEnriched = "articles.enriched"
	// SubjectDeadPrefix is followed by the stage name: articles.dead.enrich.
	SubjectDeadPrefix = "articles.dead."
)

// Func turns one input into one output document. A sink returns a nil
// document. Errors are retryable unless wrapped with Permanent.
type Func[In any] func(ctx context.Context, in In) (*schema.Document, error)

// Stage describes one step of the pipeline.
type Stage[In any] struct {
	// Name is the stage's name: it names the durable consumer, the metrics
	// and the dead-letter subject.
	Name string
	// Input is the subject the stage consumes.
	Input string
	// Output is the subject results are published to; empty for a sink.
	Output string
	// Decode parses a message payload. Its errors are permanent.
	Decode func(data []byte) (In, error)
	// Process does the stage's work.
	Process Func[In]
}

// NameIngest, NameDedupe, NameEnrich and NameIndex are the four stages.
// Each names a durable consumer, metrics and a dead-letter subject.
const (
	NameIngest = "ingest"
	NameDedupe = "dedupe"
	NameEnrich = "enrich"
	NameIndex  = "indexer"
)

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that no retry can fix: the message goes to
// the dead-letter subject at once. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return e.err.Error() }
func (e *unavailableError) Unwrap() error { return e.err }

// Unavailable marks err as a dependency being unavailable (Elasticsearch
// answering 503, a timeout): the message is retried with backoff like any
// retryable error, but such failures do not count toward MaxDeliver, so an
// outage never dead-letters good articles. Unavailable(nil) is nil.
func Unavailable(err error) error {
	if err == nil {
		return nil
	}
	return &unavailableError{err: err}
}

// IsUnavailable reports whether err, or any error it wraps, was marked
// with Unavailable.
func IsUnavailable(err error) bool {
	var u *unavailableError
	return errors.As(err, &u)
}

// IsPermanent reports whether err, or any error it wraps, was marked with
// Permanent or is a schema decoding or validation failure.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p) || schema.IsPermanent(err)
}
