package stage

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
)

// unansweredFuture is a publish JetStream has not answered yet: the
// client still holds its message and may resend it.
type unansweredFuture struct{ msg *nats.Msg }

func (f unansweredFuture) Ok() <-chan *jetstream.PubAck { return nil }
func (f unansweredFuture) Err() <-chan error            { return nil }
func (f unansweredFuture) Msg() *nats.Msg               { return f.msg }

// nakedMsg is an input message that records its nak.
type nakedMsg struct {
	jetstream.Msg
	naked chan struct{}
}

func (m nakedMsg) Data() []byte                              { return []byte(`{"id":"a"}`) }
func (m nakedMsg) NakWithDelay(time.Duration) error          { close(m.naked); return nil }
func (m nakedMsg) Headers() nats.Header                      { return nats.Header{} }
func (m nakedMsg) Metadata() (*jetstream.MsgMetadata, error) { return &jetstream.MsgMetadata{}, nil }

// An output whose store JetStream has not confirmed in time is retried,
// but its encode buffer is not handed back to the pool: nats.go may still
// resend the message from it (no responders yet), and another output
// encoded into it meanwhile would go out under this one's message id.
func TestUnconfirmedOutputKeepsItsBuffer(t *testing.T) {
	m, err := newMetrics(prometheus.NewRegistry(), "t")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig().Consumer
	cfg.AckWait = 20 * time.Millisecond // confirmWait 10 ms
	h := &handler[*schema.Document, *schema.Document]{st: Stage[*schema.Document, *schema.Document]{Name: "t", Output: "out"},
		cfg: cfg, log: zaptest.NewLogger(t), metrics: m, abandoned: new(atomic.Bool)}
	buf := encodeBuffers.Get().(*[]byte)
	data, err := encode(buf, &schema.Document{SchemaVersion: 1, ID: "a", Body: "the output nats.go holds"})
	if err != nil {
		t.Fatal(err)
	}
	sent := nats.NewMsg("out")
	sent.Data = data
	in := nakedMsg{naked: make(chan struct{})}
	unconfirmed := make(chan *published, 1)
	unconfirmed <- &published{msg: in, info: Info{Delivered: 1}, start: time.Now(), stored: unansweredFuture{sent},
		deadline: time.Now().Add(cfg.confirmWait()), buf: buf}
	close(unconfirmed)
	h.confirm(context.Background(), unconfirmed)
	select {
	case <-in.naked:
	default:
		t.Fatal("the input was not retried after the confirmation timed out")
	}
	if !bytes.Contains(sent.Data, []byte("the output nats.go holds")) || len(*buf) == 0 {
		t.Errorf("the buffer of an unconfirmed output went back to the pool (reset; now %q)", sent.Data)
	}
}
