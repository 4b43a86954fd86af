// Package stage is the runtime every newsflow service runs on.
//
// A stage is a name, an input subject, an optional output subject and a
// function from one decoded input to one output: a document, which the
// runtime encodes, or a Payload, which it publishes as it is. The runtime owns
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
// Publishing does not hold a worker: the output goes out with its
// de-duplication id and the worker takes its next message, while one loop
// per stage acks each input, in publishing order, once JetStream confirms
// it stored the output. A publish JetStream refuses or does not confirm
// within publishConfirmWait is a retryable error like any other. So the
// guarantee is unchanged (an input is acked only after its output is
// stored) and a replicated stream's slower confirmations cost latency,
// not throughput.
//
// The mapping from a Process result to JetStream is in one place
// (handler.finish):
//
//	output stored by JetStream         -> Ack
//	nil output (a sink) and nil error  -> Ack
//	retryable error                    -> NakWithDelay(capped exponential backoff)
//	Permanent error, or decode failure -> dead letter with the reason, then Term
//	retryable error at MaxDeliver      -> dead letter with the reason, then Term
//	Unavailable error                  -> NakWithDelay, whatever the delivery count
//
// A service registers once: its package exports NewService(cfg) returning
// a Service (its name, Flags, Validate and Start), which its
// cmd/<service>/main.go hands to Main and which `newsflow run` starts on
// its shared runtime (internal/pipeline.Services). Start calls Start or
// StartWith for its stages and adds its metrics (Runtime.Register), routes
// (Runtime.Handle), ready checks and shutdown hooks (Runtime.OnShutdown).
//
// Stopping is not cancelling: Main and `newsflow run` hand Start a work
// context (WorkContext) that SIGTERM does not end. On the signal, Serve
// shuts down in order: every stage stops fetching and finishes the
// messages it holds, the shutdown hooks flush, the connections drain. The
// work context ends only after that, or when NEWSFLOW_SHUTDOWN_TIMEOUT
// passes, so in-flight work is abandoned only at the deadline.
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
	// SubjectStoried carries documents with their story_id, from the
	// stories stage to the indexer.
	SubjectStoried = "articles.storied"
	// SubjectStories carries story snapshots (schema.Story) to the
	// indexer's story index.
	SubjectStories = "stories.snapshots"
	// SubjectDeadPrefix is followed by the stage name: articles.dead.enrich.
	SubjectDeadPrefix = "articles.dead."
)

// Output is what a stage publishes: a document, which the runtime encodes
// and identifies by its id, or a Payload, published byte for byte.
type Output interface {
	*schema.Document | *Payload
}

// Payload is a message's bytes as they arrived, for a stage that passes
// messages on without reading them (a router, a tap, a filter): such a
// stage decodes with DecodePayload and returns a Payload, which costs no
// JSON work at all. Its de-duplication id is derived from the input's
// (its Nats-Msg-Id, else its stream and sequence), so a redelivered input
// republishes as a duplicate.
type Payload struct {
	Data []byte
}

// DecodePayload is the Decode of a stage that reads no documents.
func DecodePayload(data []byte) (*Payload, error) { return &Payload{Data: data}, nil }

// Func turns one input into one output. A sink returns nil. Errors are
// retryable unless wrapped with Permanent.
type Func[In any, Out Output] func(ctx context.Context, in In) (Out, error)

// Stage describes one step of the pipeline: most read and write documents
// (Stage[*schema.Document, *schema.Document]).
type Stage[In any, Out Output] struct {
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
	Process Func[In, Out]
}

// NameIngest, NameDedupe, NameEnrich and NameIndex are the four stages.
// Each names a durable consumer, metrics and a dead-letter subject.
const (
	NameIngest = "ingest"
	NameDedupe = "dedupe"
	NameEnrich = "enrich"
	NameIndex  = "indexer"
	// NameStories groups reports of one event across outlets; it runs
	// between enrich and the indexer.
	NameStories = "stories"
	// NameStoryIndex keeps the story snapshots in a story index (the
	// embedded one under newsflow run).
	NameStoryIndex = "storyindex"
)

// ErrOutputTooLarge means a stage's output can never be published: it is
// larger than the NATS server's max_payload or the streams' message size
// limit. It is permanent; the reason names the setting.
var ErrOutputTooLarge = errors.New("output too large to publish")

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
