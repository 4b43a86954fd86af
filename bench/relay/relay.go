// Package relay measures a 4-hop JetStream relay three ways on the same
// embedded server, streams and articles: with nats.go alone (the limit),
// with newsflow's stage runtime running no-op stages (our overhead), and
// with Watermill over watermill-nats (the peer).
//
// Every variant gives the same guarantees: a durable consumer per hop,
// explicit acks, the output published with a Nats-Msg-Id and stored by
// JetStream before the input is acked, and the same concurrency per hop.
// Raw and the runtime publish without waiting and ack on confirmation;
// Watermill's publisher waits for each store.
package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/bench/measure"
	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/embedded"
)

// Setup is one relay run's shape.
type Setup struct {
	// Articles is how many messages cross the relay.
	Articles int
	// Concurrency is how many messages each hop handles at once.
	Concurrency int
	// Batch is how many messages each hop buffers from the server.
	Batch int
	// Payload returns article i: an encoded schema.Document with its own id.
	Payload func(i int) []byte
}

// Result is one run's outcome.
type Result struct {
	Variant  string
	Articles int
	Elapsed  time.Duration
	// CPU is the process's CPU time over the run: the relay, the embedded
	// server and the garbage collector.
	CPU time.Duration
}

// PerSecond is articles through all four hops per second.
func (r Result) PerSecond() float64 { return float64(r.Articles) / r.Elapsed.Seconds() }

// PerCPUSecond is articles through all four hops per CPU-second: what the
// relay costs, which holds better than PerSecond on a busy machine.
func (r Result) PerCPUSecond() float64 {
	if r.CPU <= 0 {
		return 0
	}
	return float64(r.Articles) / r.CPU.Seconds()
}

// hops are the relay's subjects in order; the last is consumed by a sink.
var hops = []string{stage.SubjectRaw, stage.SubjectCleaned, stage.SubjectDeduped, stage.SubjectEnriched}

// Variant runs the relay over a prepared server and returns when the sink
// has seen every article.
type Variant func(ctx context.Context, url string, s Setup, sunk *atomic.Int64) (stop func(), err error)

// Variants maps names to the three relays compared.
var Variants = map[string]Variant{"raw": Raw, "runtime": Runtime, "runtime-typed": RuntimeTyped, "watermill": Watermill}

// Run starts a fresh embedded server, provisions the pipeline streams,
// preloads the articles on the first subject, then times variant from
// start until the sink has acked all of them.
func Run(ctx context.Context, name string, s Setup) (Result, error) {
	variant, ok := Variants[name]
	if !ok {
		return Result{}, fmt.Errorf("relay: unknown variant %q", name)
	}
	dir, err := os.MkdirTemp("", "newsflow-relay-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	srv, err := embedded.Start(embedded.Options{StoreDir: dir, Port: -1})
	if err != nil {
		return Result{}, err
	}
	defer shutdown(srv)
	// Watermill reads its message UUID from a header of its own.
	uuidHeader := ""
	if name == "watermill" {
		uuidHeader = wmnats.WatermillUUIDHdr
	}
	if err := preload(ctx, srv.ClientURL(), s, uuidHeader); err != nil {
		return Result{}, err
	}
	// Write back the preload (and the previous run's files) now, so that
	// no variant's time includes another's disk writes.
	syscall.Sync()
	var sunk atomic.Int64
	cpu0 := measure.CPUTime()
	start := time.Now()
	stop, err := variant(ctx, srv.ClientURL(), s, &sunk)
	if err != nil {
		return Result{}, err
	}
	defer stop()
	deadline := time.Now().Add(2 * time.Minute)
	for sunk.Load() < int64(s.Articles) {
		if time.Now().After(deadline) {
			return Result{}, fmt.Errorf("relay %s: %d of %d articles after 2 minutes", name, sunk.Load(), s.Articles)
		}
		select {
		case <-ctx.Done():
			return Result{}, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	return Result{Variant: name, Articles: s.Articles, Elapsed: time.Since(start), CPU: measure.CPUTime() - cpu0}, nil
}

func shutdown(s *server.Server) {
	s.Shutdown()
	s.WaitForShutdown()
}

func streamsConfig() stage.StreamsConfig {
	cfg := stage.DefaultConfig().Streams
	cfg.MaxBytes = -1
	return cfg
}

func preload(ctx context.Context, url string, s Setup, uuidHeader string) error {
	nc, err := nats.Connect(url)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	if err := stage.EnsureStreams(ctx, js, streamsConfig()); err != nil {
		return err
	}
	for i := range s.Articles {
		m := nats.NewMsg(hops[0])
		m.Data = s.Payload(i)
		id := fmt.Sprintf("article-%d", i)
		m.Header.Set(jetstream.MsgIDHeader, id)
		if uuidHeader != "" {
			m.Header.Set(uuidHeader, id)
		}
		if _, err := js.PublishMsgAsync(m); err != nil {
			return err
		}
		if i%1000 == 999 {
			<-js.PublishAsyncComplete()
		}
	}
	select {
	case <-js.PublishAsyncComplete():
		return nil
	case <-time.After(time.Minute):
		return errors.New("preload: publishes not acknowledged")
	}
}

// Payload returns a generator of encoded documents with about size bytes
// of body text each and distinct ids.
func Payload(size int) func(i int) []byte {
	words := strings.Fields("the minister said on thursday that talks in the capital would continue next week " +
		"after officials from both sides met for several hours without reaching an agreement on the main issues")
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		if i > 0 && i%60 == 0 {
			b.WriteString(".\n\n")
		} else if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[i%len(words)])
	}
	doc := schema.Document{
		SchemaVersion: schema.Version,
		URL:           "https://example.com/news/relay",
		Source:        schema.Source{Name: "Example", Domain: "example.com"},
		Title:         "Talks continue without agreement",
		Body:          b.String(),
		IngestedAt:    time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC),
		Language:      "en",
		WordCount:     schema.CountWords(b.String()),
	}
	return func(i int) []byte {
		d := doc
		d.ID = fmt.Sprintf("%024x", i)
		data, err := json.Marshal(d)
		if err != nil {
			panic(err) // a fixed, valid document always encodes
		}
		return data
	}
}

// Raw relays with nats.go alone, in the pattern the runtime uses: per
// hop a durable pull consumer and a worker pool; a worker publishes the
// message on with its id and without waiting, and one loop per hop acks
// each input, in order, once JetStream has stored its output.
func Raw(ctx context.Context, url string, s Setup, sunk *atomic.Int64) (func(), error) {
	nc, err := nats.Connect(url)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(5*time.Second))
	if err != nil {
		nc.Close()
		return nil, err
	}
	type published struct {
		in     jetstream.Msg
		stored jetstream.PubAckFuture
	}
	var stops []func()
	var wg sync.WaitGroup
	for i, in := range hops {
		out := ""
		if i+1 < len(hops) {
			out = hops[i+1]
		}
		cfg := stage.ConsumerConfigFor(fmt.Sprintf("raw-%d", i), in, stage.DefaultConfig().Consumer)
		cons, err := js.CreateOrUpdateConsumer(ctx, stage.StreamFor(in), cfg)
		if err != nil {
			nc.Close()
			return nil, err
		}
		work := make(chan jetstream.Msg)
		unconfirmed := make(chan published, s.Batch)
		var workers sync.WaitGroup
		for range s.Concurrency {
			workers.Add(1)
			go func() {
				defer workers.Done()
				for m := range work {
					if out == "" {
						sunk.Add(1)
						_ = m.Ack()
						continue
					}
					pm := nats.NewMsg(out)
					pm.Data = m.Data()
					pm.Header.Set(jetstream.MsgIDHeader, m.Headers().Get(jetstream.MsgIDHeader)+":"+out)
					stored, err := js.PublishMsgAsync(pm)
					if err != nil {
						_ = m.Nak()
						continue
					}
					unconfirmed <- published{m, stored}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range unconfirmed {
				select {
				case <-p.stored.Ok():
					_ = p.in.Ack()
				case <-p.stored.Err():
					_ = p.in.Nak()
				}
			}
		}()
		cc, err := cons.Consume(func(m jetstream.Msg) { work <- m }, jetstream.PullMaxMessages(s.Batch))
		if err != nil {
			nc.Close()
			return nil, err
		}
		stops = append(stops, func() {
			cc.Drain()
			<-cc.Closed()
			close(work)
			workers.Wait()
			close(unconfirmed)
		})
	}
	return func() {
		for _, stop := range stops {
			stop()
		}
		wg.Wait()
		nc.Close()
	}, nil
}

// Runtime relays with the stage runtime and no-op stages that pass each
// message on as it arrived (Payload in, Payload out), as the raw and
// Watermill relays do: the runtime's own cost.
func Runtime(ctx context.Context, url string, s Setup, sunk *atomic.Int64) (func(), error) {
	return runStages(ctx, url, s, stage.DecodePayload, func(_ context.Context, p *stage.Payload) (*stage.Payload, error) { return p, nil }, sunk)
}

// RuntimeTyped relays with no-op stages on documents: each hop decodes and
// validates its input and encodes its output, as the pipeline's stages do.
// Its difference from Runtime is the price of a typed stage.
func RuntimeTyped(ctx context.Context, url string, s Setup, sunk *atomic.Int64) (func(), error) {
	return runStages(ctx, url, s, schema.DecodeDocument, func(_ context.Context, d *schema.Document) (*schema.Document, error) { return d, nil }, sunk)
}

// runStages relays with four stages on the runtime, each running noop but
// the last, a sink that counts.
func runStages[In any, Out stage.Output](ctx context.Context, url string, s Setup, decode func([]byte) (In, error), noop stage.Func[In, Out], sunk *atomic.Int64) (func(), error) {
	nc, err := nats.Connect(url)
	if err != nil {
		return nil, err
	}
	cfg := stage.DefaultConfig()
	cfg.Streams = streamsConfig()
	cfg.Consumer.Concurrency = s.Concurrency
	cfg.Consumer.Batch = s.Batch
	rt, err := stage.OpenConn(ctx, nc, cfg, zap.NewNop())
	if err != nil {
		nc.Close()
		return nil, err
	}
	sink := func(context.Context, In) (Out, error) {
		sunk.Add(1)
		var none Out
		return none, nil
	}
	names := []string{stage.NameIngest, stage.NameDedupe, stage.NameEnrich, stage.NameIndex}
	for i, in := range hops {
		st := stage.Stage[In, Out]{Name: names[i], Input: in, Decode: decode, Process: noop}
		if i+1 < len(hops) {
			st.Output = hops[i+1]
		} else {
			st.Process = sink
		}
		if _, err := stage.Start(ctx, rt, st); err != nil {
			_ = rt.Shutdown(ctx)
			return nil, err
		}
	}
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = rt.Shutdown(sctx)
	}, nil
}
