package stage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
)

// Dead-letter headers. A dead letter carries the original payload
// unchanged, so it can be re-driven as it is once the cause is fixed.
const (
	HeaderDeadReason      = "Newsflow-Dead-Reason"
	HeaderDeadStage       = "Newsflow-Dead-Stage"
	HeaderOriginalSubject = "Newsflow-Original-Subject"
	HeaderOriginalStream  = "Newsflow-Original-Stream"
	HeaderOriginalSeq     = "Newsflow-Original-Sequence"
	HeaderDeliveryCount   = "Newsflow-Delivery-Count"
)

// HeaderRevision marks a message that sends an article again, changed,
// after its first version went downstream: dedupe sets it when a cluster
// merge moves a finished article. Every later stage passes it on and adds
// it to its output's message id, so the revision is stored as news rather
// than dropped as a retried publish of the first version.
const HeaderRevision = "Newsflow-Revision"

// maxReasonBytes keeps a dead-letter reason header readable and well
// inside NATS header limits.
const maxReasonBytes = 1024

// Consumer is one stage consuming its input in this process.
type Consumer struct {
	name string
	// order is the stage's place in the pipeline (inputOrder).
	order   int
	cc      jetstream.ConsumeContext
	work    chan jetstream.Msg
	workers sync.WaitGroup
	metrics *metrics
	stopped chan struct{}
	once    sync.Once
	// unconfirmed carries published messages from the workers to the
	// confirm loop, which acks them once their output is stored.
	unconfirmed chan *published
	confirming  sync.WaitGroup
	// quit stops the keep-alive loop once the workers are done.
	quit  chan struct{}
	loops sync.WaitGroup
	// abandoned is set when Drain's deadline passes: what is still in
	// flight is left to JetStream, without a line per message.
	abandoned atomic.Bool
}

// inFlight is the message one worker holds, if any.
type inFlight struct {
	mu    sync.Mutex
	msg   jetstream.Msg
	since time.Time
}

func (f *inFlight) set(msg jetstream.Msg) {
	f.mu.Lock()
	f.msg, f.since = msg, time.Now()
	f.mu.Unlock()
}

// keepAlive tells the server, for every message held longer than a third
// of the ack wait, that work is still in progress, so long work is not
// redelivered to another replica. One loop serves all workers.
func (c *Consumer) keepAlive(slots []inFlight, ackWait time.Duration) {
	c.loops.Add(1)
	go func() {
		defer c.loops.Done()
		t := time.NewTicker(ackWait / 6)
		defer t.Stop()
		for {
			select {
			case <-c.quit:
				return
			case now := <-t.C:
				for i := range slots {
					f := &slots[i]
					f.mu.Lock()
					if f.msg != nil && now.Sub(f.since) > ackWait/3 {
						_ = f.msg.InProgress()
						f.since = now
					}
					f.mu.Unlock()
				}
			}
		}
	}()
}

// Stats returns the stage's counts since it started in this process.
func (c *Consumer) Stats() Stats { return c.metrics.stats() }

// Name is the stage's name.
func (c *Consumer) Name() string { return c.name }

// Drain stops fetching, lets buffered and in-flight messages finish, and
// returns when every worker is done or ctx ends.
func (c *Consumer) Drain(ctx context.Context) error {
	c.once.Do(func() {
		c.cc.Drain()
		go func() {
			<-c.cc.Closed()
			c.stop()
			close(c.stopped)
		}()
	})
	select {
	case <-c.stopped:
		return nil
	case <-ctx.Done():
		c.abandoned.Store(true)
		return &DrainError{Stage: c.name, Unfinished: c.metrics.held.Load(), Err: ctx.Err()}
	}
}

// outageLogInterval is how often a stage logs, at most, that it retries
// messages because a dependency is unavailable.
const outageLogInterval = 10 * time.Second

// DrainError is a stage that had not finished its messages when the
// shutdown's deadline passed. Its messages are not lost: unacknowledged,
// JetStream redelivers them after the ack wait.
type DrainError struct {
	Stage      string
	Unfinished int64
	Err        error
}

func (e *DrainError) Error() string {
	return fmt.Sprintf("drain %s: %d messages unfinished: %v", e.Stage, e.Unfinished, e.Err)
}

func (e *DrainError) Unwrap() error { return e.Err }

// stop ends the workers, then the confirm loop once every output they
// published is settled, then the keep-alive loop.
func (c *Consumer) stop() {
	close(c.work)
	c.workers.Wait()
	close(c.unconfirmed)
	c.confirming.Wait()
	close(c.quit)
	c.loops.Wait()
}

// handler runs one stage's messages. It holds no per-message state.
type handler[In any, Out Output] struct {
	st      Stage[In, Out]
	js      jetstream.JetStream
	cfg     ConsumerConfig
	log     *zap.Logger
	metrics *metrics
	// backlog is the next stage's, which publishing waits on.
	backlog *Backlog
	// hold, when set, is waited on before processing (Runtime.HoldInput).
	hold *Backlog
	// unconfirmed is the Consumer's.
	unconfirmed chan<- *published
	// outage limits the warnings of retries for an unavailable
	// dependency.
	outage *LogLimiter
	// abandoned is the Consumer's: set once its drain's deadline passed.
	abandoned *atomic.Bool
}

// Consume starts st on a durable pull consumer named after it, shared by
// every replica, and processes messages until Drain. ctx is the parent of
// every Process call; cancel it only to abandon in-flight work.
func Consume[In any, Out Output](ctx context.Context, js jetstream.JetStream, st Stage[In, Out], cfg ConsumerConfig, reg prometheus.Registerer, log *zap.Logger) (*Consumer, error) {
	return consume(ctx, js, st, cfg, nil, reg, log)
}

// consume is Consume, with hold (nil for none) waited on before each
// message is processed (Runtime.HoldInput).
func consume[In any, Out Output](ctx context.Context, js jetstream.JetStream, st Stage[In, Out], cfg ConsumerConfig, hold *Backlog, reg prometheus.Registerer, log *zap.Logger) (*Consumer, error) {
	if st.Name == "" || st.Input == "" || st.Decode == nil || st.Process == nil {
		return nil, errors.New("stage: Name, Input, Decode and Process are required")
	}
	m, err := newMetrics(reg, st.Name)
	if err != nil {
		return nil, fmt.Errorf("stage %s metrics: %w", st.Name, err)
	}
	var cons jetstream.Consumer
	err = Provision(ctx, js, log, "consumer "+st.Name, func(ctx context.Context) (err error) {
		cons, err = js.CreateOrUpdateConsumer(ctx, StreamFor(st.Input), ConsumerConfigFor(st.Name, st.Input, cfg))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("stage %s consumer: %w", st.Name, err)
	}
	h := &handler[In, Out]{st: st, js: js, cfg: cfg, log: log.With(zap.String("stage", st.Name)), metrics: m, outage: NewLogLimiter(outageLogInterval), hold: hold}
	if st.Output != "" {
		h.backlog = NewBacklog(js, st.Output, cfg.MaxBacklog)
	}
	c := &Consumer{
		name:    st.Name,
		work:    make(chan jetstream.Msg),
		metrics: m,
		stopped: make(chan struct{}),
		// As many outputs await confirmation as the server sends at once.
		unconfirmed: make(chan *published, cfg.Batch),
		quit:        make(chan struct{}),
	}
	h.unconfirmed = c.unconfirmed
	h.abandoned = &c.abandoned
	c.confirming.Add(1)
	go func() {
		defer c.confirming.Done()
		h.confirm(ctx, c.unconfirmed)
	}()
	slots := make([]inFlight, cfg.Concurrency)
	for i := range slots {
		c.workers.Add(1)
		go func(slot *inFlight) {
			defer c.workers.Done()
			for msg := range c.work {
				slot.set(msg)
				h.handle(ctx, msg)
				slot.set(nil)
			}
		}(&slots[i])
	}
	c.keepAlive(slots, cfg.AckWait)
	cc, err := cons.Consume(func(msg jetstream.Msg) { c.work <- msg },
		jetstream.PullMaxMessages(cfg.Batch),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if !errors.Is(err, jetstream.ErrNoHeartbeat) {
				h.log.Warn("consume", zap.Error(err))
			}
		}))
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("stage %s consume: %w", st.Name, err)
	}
	c.cc = cc
	return c, nil
}

// ConsumerConfigFor is the durable consumer every replica of a stage
// shares. The server redelivers without limit; the runtime itself
// dead-letters at MaxDeliver, so a crash on the last attempt still ends
// in the dead-letter subject rather than in limbo.
func ConsumerConfigFor(name, subject string, cfg ConsumerConfig) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       name,
		Description:   "newsflow " + name + " stage",
		FilterSubject: subject,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: cfg.MaxAckPending,
	}
}

func (h *handler[In, Out]) handle(ctx context.Context, msg jetstream.Msg) {
	// The wait on a hold (Runtime.HoldInput) is not the message's
	// handling: it counts in no metric. A hold that cannot be read does
	// not stop the stage; one abandoned with ctx leaves the message to
	// JetStream, which redelivers it after the ack wait.
	if err := h.hold.Wait(ctx); err != nil && ctx.Err() != nil {
		return
	}
	start := time.Now()
	h.metrics.in.Add(1)
	h.metrics.inFlight.Inc()
	h.metrics.held.Add(1)

	info := Info{Subject: msg.Subject(), Delivered: 1}
	if md, err := msg.Metadata(); err == nil {
		info.Stream = md.Stream
		info.Sequence = md.Sequence.Stream
		info.Delivered = int(md.NumDelivered)
	}
	pub, result, reason, unavailable := h.process(WithMessageInfo(ctx, info), msg, info)
	if pub != nil {
		pub.start = start
		h.unconfirmed <- pub
		return
	}
	h.finish(ctx, msg, info, start, result, reason, unavailable)
}

// finish ends a message as result says, and records how it ended.
func (h *handler[In, Out]) finish(ctx context.Context, msg jetstream.Msg, info Info, start time.Time, result, reason string, unavailable bool) {
	defer func() {
		h.metrics.inFlight.Dec()
		h.metrics.held.Add(-1)
	}()
	// Fields are built only on the paths that log, not per message.
	log := func() *zap.Logger {
		return h.log.With(articleRef(msg.Data()), zap.Uint64("stream_seq", info.Sequence), zap.Int("delivered", info.Delivered))
	}
	if result == ResultRetry && (ctx.Err() != nil || h.abandoned.Load()) {
		// The shutdown gave up on this message at its deadline (the drain
		// timed out, the work context ended, a sink closed under it):
		// Shutdown says how many in one line. JetStream
		// redelivers it after the ack wait; the nak, if the connection
		// still takes it, only makes that sooner.
		_ = msg.Nak()
		h.metrics.results[result].Inc()
		return
	}
	switch result {
	case ResultOK:
		if err := msg.Ack(); err != nil {
			// The output is safe; a redelivery republishes under the
			// same message id, which JetStream drops.
			log().Warn("ack failed", zap.Error(err))
		}
	case ResultRetry:
		h.metrics.retried.Add(1)
		delay := h.cfg.retryDelay(info.Delivered, unavailable)
		if !unavailable {
			log().Warn("retrying", zap.String("reason", reason), zap.Duration("delay", delay))
		} else if ok, suppressed := h.outage.Allow(""); ok {
			// A dependency down fails every message alike: one line per
			// interval, not one per message.
			log().Warn("retrying: a dependency is unavailable", zap.String("reason", reason), zap.Duration("delay", delay),
				zap.Int("suppressed", suppressed), zap.Duration("log_interval", h.outage.Interval()))
		}
		if err := msg.NakWithDelay(delay); err != nil {
			log().Warn("nak failed; the server redelivers after ack wait", zap.Error(err))
		}
	case ResultDead:
		if err := h.deadLetter(ctx, msg, info, reason); err != nil {
			// The dead letter is not safe yet: keep the message.
			result = ResultRetry
			h.metrics.retried.Add(1)
			log().Error("dead letter publish failed; retrying", zap.String("reason", reason), zap.Error(err))
			_ = msg.NakWithDelay(h.cfg.RetryMin)
			break
		}
		h.metrics.dead.Add(1)
		log().Warn("dead-lettered", zap.String("reason", reason))
		if err := msg.TermWithReason(truncate(reason, 256)); err != nil {
			log().Warn("term failed", zap.Error(err))
		}
	}
	h.metrics.results[result].Inc()
	took := time.Since(start)
	h.metrics.busy.Add(int64(took))
	h.metrics.duration.Observe(took.Seconds())
}

// unavailableRetryMax caps the wait before retrying a message whose
// dependency was unavailable.
const unavailableRetryMax = 10 * time.Second

// retryDelay is the nak delay after delivery number delivered. An outage
// counts every redelivery, so its wait is capped lower: it must not grow
// to RetryMax, or a recovered dependency sits idle for a minute.
func (c ConsumerConfig) retryDelay(delivered int, unavailable bool) time.Duration {
	if unavailable {
		return RetryDelay(delivered, c.RetryMin, min(c.RetryMax, unavailableRetryMax))
	}
	return RetryDelay(delivered, c.RetryMin, c.RetryMax)
}

// process runs Decode, Process and the publish, and says how the message
// ends; unavailable marks a retry caused by an Unavailable error. A
// message whose output was sent ends later, when JetStream confirms it:
// process then returns the publish to wait for.
func (h *handler[In, Out]) process(ctx context.Context, msg jetstream.Msg, info Info) (pub *published, result, reason string, unavailable bool) {
	in, err := h.st.Decode(msg.Data())
	if err != nil {
		return nil, ResultDead, "decode: " + err.Error(), false
	}
	out, err := h.st.Process(ctx, in)
	if err != nil {
		switch {
		case IsPermanent(err):
			return nil, ResultDead, err.Error(), false
		case IsUnavailable(err):
			return nil, ResultRetry, err.Error(), true
		default:
			result, reason = h.failed(err, info)
			return nil, result, reason, false
		}
	}
	var none Out
	if out == none || h.st.Output == "" {
		h.metrics.out.Add(1)
		return nil, ResultOK, "", false
	}
	pub, err = h.publish(ctx, msg, out, info)
	if err != nil {
		if IsPermanent(err) {
			return nil, ResultDead, err.Error(), false
		}
		result, reason = h.failed(err, info)
		return nil, result, reason, false
	}
	return pub, "", "", false
}

// failed says how a message ends after a retryable error: retried, or
// dead-lettered once it has had MaxDeliver deliveries.
func (h *handler[In, Out]) failed(err error, info Info) (result, reason string) {
	if info.Delivered >= h.cfg.MaxDeliver {
		return ResultDead, fmt.Sprintf("max deliveries (%d) reached, last error: %v", h.cfg.MaxDeliver, err)
	}
	return ResultRetry, err.Error()
}

// published is a message whose output has been sent downstream and is
// waiting for JetStream to confirm it stored it.
type published struct {
	msg       jetstream.Msg
	info      Info
	start     time.Time
	stored    jetstream.PubAckFuture
	deadline  time.Time
	duplicate bool
	// buf holds the encoded output until it is confirmed: the client
	// resends it if the stream had no responder yet, until the future
	// ends, so it goes back to the pool only then (release).
	buf *[]byte
}

// publishConfirmWait is how long a publish may wait for JetStream to say
// it stored the output before the message is retried: the same wait as a
// synchronous JetStream publish.
const publishConfirmWait = 5 * time.Second

// confirmWait is how long a published output may wait for JetStream's
// confirmation: publishConfirmWait, or half the ack wait if that is
// shorter, so the input is acked or retried before it is redelivered.
func (c ConsumerConfig) confirmWait() time.Duration {
	return min(publishConfirmWait, c.AckWait/2)
}

// publish sends out downstream without waiting: confirm acks the input
// once JetStream has stored the output, so a worker goes on to its next
// message while the store is replicated and confirmed. The message id
// makes a retried publish a no-op within the duplicate window: a
// document's is its id (and revision: HeaderRevision), a payload's its
// input's (payloadMsgID).
func (h *handler[In, Out]) publish(ctx context.Context, msg jetstream.Msg, out Out, info Info) (*published, error) {
	pub := &published{msg: msg, info: info}
	var data []byte
	var id string
	switch o := any(out).(type) {
	case *schema.Document:
		pub.buf = encodeBuffers.Get().(*[]byte)
		var err error
		if data, err = encode(pub.buf, o); err != nil {
			pub.release()
			return nil, Permanent(fmt.Errorf("encode output: %w", err))
		}
		id = o.ID + ":" + h.st.Name
		pub.duplicate = o.DuplicateOf != ""
	case *Payload:
		data = o.Data
		id = payloadMsgID(msg, info, h.st.Name)
	}
	m := nats.NewMsg(h.st.Output)
	m.Data = data
	if rev := msg.Headers().Get(HeaderRevision); rev != "" {
		m.Header.Set(HeaderRevision, rev)
		if _, ok := any(out).(*schema.Document); ok {
			id += ":" + rev
		}
	}
	m.Header.Set(jetstream.MsgIDHeader, id)
	if err := fits(h.js.Conn(), m); err != nil {
		pub.release()
		return nil, err
	}
	// Hold the message (the keep-alive loop keeps it ours) while the next
	// stage is too far behind: backpressure, not an unread message
	// pushed out of a full stream.
	if err := h.backlog.Wait(ctx); err != nil {
		pub.release()
		return nil, err
	}
	stored, err := h.js.PublishMsgAsync(m)
	if ferr := fits(h.js.Conn(), m); errors.Is(err, nats.ErrMaxPayload) && ferr != nil {
		err = ferr // connected meanwhile to a server with a lower max_payload
	}
	if err != nil {
		pub.release()
		return nil, fmt.Errorf("publish to %s: %w", h.st.Output, err)
	}
	h.backlog.Sent()
	h.hold.Sent()
	pub.stored = stored
	pub.deadline = time.Now().Add(h.cfg.confirmWait())
	return pub, nil
}

// fits returns a permanent error, naming the setting to change, when m can
// never be published: over the NATS server's max_payload (a stand-alone
// nats-server's default is 1 MB), or over the streams' message size limit.
// Retrying could not help, so the input is dead-lettered at once.
func fits(nc *nats.Conn, m *nats.Msg) error {
	size := int64(m.Size() - len(m.Subject) - len(m.Reply))
	if limit := nc.MaxPayload(); limit > 0 && size > limit {
		return Permanent(fmt.Errorf("%w: output is %d bytes with its headers, over the NATS server's max_payload of %d bytes; raise max_payload in the server's configuration (e.g. max_payload: 8MB)", ErrOutputTooLarge, size, limit))
	}
	if size > maxMsgSize {
		return Permanent(fmt.Errorf("%w: output is %d bytes with its headers, over the streams' max_msg_size of %d bytes", ErrOutputTooLarge, size, maxMsgSize))
	}
	return nil
}

// payloadMsgID is the de-duplication id of a forwarded payload: the
// input's own id and the stage, or, for an input published without one,
// its place in its stream.
func payloadMsgID(msg jetstream.Msg, info Info, stage string) string {
	if id := msg.Headers().Get(jetstream.MsgIDHeader); id != "" {
		return id + ":" + stage
	}
	return info.Stream + ":" + strconv.FormatUint(info.Sequence, 10) + ":" + stage
}

func (p *published) release() {
	if p.buf != nil {
		putEncodeBuffer(p.buf)
		p.buf = nil
	}
}

// confirm ends each published message, in publishing order, once
// JetStream has stored its output or failed to: ack, or retry and
// dead-letter like any failure. It returns when unconfirmed is closed and
// drained.
func (h *handler[In, Out]) confirm(ctx context.Context, unconfirmed <-chan *published) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for pub := range unconfirmed {
		var err error
		var ack *jetstream.PubAck
		timer.Reset(time.Until(pub.deadline))
		select {
		case ack = <-pub.stored.Ok():
		case err = <-pub.stored.Err():
		case <-timer.C:
			err = fmt.Errorf("JetStream did not confirm storing it within %s", h.cfg.confirmWait())
			// The client may still resend the output from buf (no
			// responders yet) until its own timeout: the buffer is
			// left to the garbage collector, never reused.
			pub.buf = nil
		}
		timer.Stop()
		pub.release()
		if err != nil {
			result, reason := h.failed(fmt.Errorf("publish to %s: %w", h.st.Output, err), pub.info)
			h.finish(ctx, pub.msg, pub.info, pub.start, result, reason, false)
			continue
		}
		if ack.Duplicate && pub.info.Delivered <= 1 {
			// Not a retry of our own publish: another input made this
			// output, so this one adds nothing downstream. Say so.
			h.metrics.alreadyStored.Add(1)
			h.metrics.stored.Inc()
			h.log.Warn("output already stored under the same message id: the same document as an earlier input's, not stored again",
				articleRef(pub.msg.Data()), zap.Uint64("stream_seq", pub.info.Sequence),
				zap.String("msg_id", pub.stored.Msg().Header.Get(jetstream.MsgIDHeader)))
		} else {
			h.metrics.out.Add(1)
			if pub.duplicate {
				h.metrics.duplicates.Add(1)
			}
		}
		h.finish(ctx, pub.msg, pub.info, pub.start, ResultOK, "", false)
	}
}

// encodeBuffers hold encoded outputs until JetStream has stored them.
var encodeBuffers = sync.Pool{New: func() any { return new([]byte) }}

// putEncodeBuffer returns buf to the pool unless an unusually large
// document grew it.
func putEncodeBuffer(buf *[]byte) {
	if cap(*buf) <= 1<<20 {
		*buf = (*buf)[:0]
		encodeBuffers.Put(buf)
	}
}

// encode writes d as JSON into buf and returns the bytes: what
// encoding/json writes with HTML escaping off (documents are read by JSON
// decoders, not browsers), from schema's reflection-free encoder.
func encode(buf *[]byte, d *schema.Document) ([]byte, error) {
	b, err := d.AppendJSON((*buf)[:0])
	*buf = b
	return b, err
}

func (h *handler[In, Out]) deadLetter(ctx context.Context, msg jetstream.Msg, info Info, reason string) error {
	m := nats.NewMsg(SubjectDeadPrefix + h.st.Name)
	m.Data = msg.Data()
	// The original headers travel with the payload (a revision, a
	// producer's own), all but its de-duplication id, which the dead
	// letter replaces with its own.
	for k, vs := range msg.Headers() {
		if k != jetstream.MsgIDHeader {
			m.Header[k] = append([]string(nil), vs...)
		}
	}
	m.Header.Set(HeaderDeadReason, truncate(reason, maxReasonBytes))
	m.Header.Set(HeaderDeadStage, h.st.Name)
	m.Header.Set(HeaderOriginalSubject, info.Subject)
	m.Header.Set(HeaderOriginalStream, info.Stream)
	m.Header.Set(HeaderOriginalSeq, strconv.FormatUint(info.Sequence, 10))
	m.Header.Set(HeaderDeliveryCount, strconv.Itoa(info.Delivered))
	m.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("dead:%s:%s:%d", h.st.Name, info.Stream, info.Sequence))
	_, err := h.js.PublishMsg(ctx, m)
	return err
}

// articleRef names the article in a payload for logs: article_id (the
// field every log line naming an article uses), else article_url for a raw
// article, else nothing when the payload does not decode.
func articleRef(data []byte) zap.Field {
	var ref struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	}
	if json.Unmarshal(data, &ref) != nil {
		return zap.Skip()
	}
	if ref.ID != "" {
		return zap.String("article_id", ref.ID)
	}
	if ref.URL != "" {
		return zap.String("article_url", ref.URL) // a raw article has no id yet
	}
	return zap.Skip()
}

// RetryDelay is the nak delay before delivery number delivered+1: capped
// exponential backoff with jitter, from min to max.
func RetryDelay(delivered int, min, max time.Duration) time.Duration {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = min
	b.MaxInterval = max
	b.Multiplier = 2
	b.RandomizationFactor = 0.2
	b.MaxElapsedTime = 0
	b.Reset()
	d := b.NextBackOff()
	for i := 1; i < delivered; i++ {
		d = b.NextBackOff()
	}
	return d
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
