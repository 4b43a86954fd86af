package relay

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
)

// Watermill relays with a Watermill router over watermill-nats with
// JetStream: its recommended package (pkg/nats), durable queue
// subscriptions on the same streams, message ids tracked, and acks sent
// without waiting for confirmation, as the other variants do.
func Watermill(ctx context.Context, url string, s Setup, sunk *atomic.Int64) (func(), error) {
	logger := watermill.NopLogger{}
	js := wmnats.JetStreamConfig{
		AutoProvision: false, // the pipeline streams already exist
		TrackMsgId:    true,
		AckAsync:      true,
		SubscribeOptions: []nats.SubOpt{
			nats.AckExplicit(),
			nats.MaxAckPending(4096),
			nats.DeliverAll(),
		},
		DurableCalculator: func(_ string, topic string) string { return "wm-" + sanitize(topic) },
	}
	marshaler := &wmnats.NATSMarshaler{}
	pub, err := wmnats.NewPublisher(wmnats.PublisherConfig{URL: url, Marshaler: marshaler, JetStream: js}, logger)
	if err != nil {
		return nil, err
	}
	sub, err := wmnats.NewSubscriber(wmnats.SubscriberConfig{
		URL:              url,
		QueueGroupPrefix: "wm",
		SubscribersCount: s.Concurrency,
		AckWaitTimeout:   30 * time.Second,
		CloseTimeout:     10 * time.Second,
		Unmarshaler:      marshaler,
		JetStream:        js,
	}, logger)
	if err != nil {
		pub.Close()
		return nil, err
	}
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, logger)
	if err != nil {
		return nil, err
	}
	for i, in := range hops {
		name := fmt.Sprintf("hop-%d", i)
		if i+1 < len(hops) {
			router.AddHandler(name, in, sub, hops[i+1], pub, func(m *message.Message) ([]*message.Message, error) {
				return []*message.Message{message.NewMessage(m.UUID+":"+name, m.Payload)}, nil
			})
			continue
		}
		router.AddConsumerHandler(name, in, sub, func(*message.Message) error {
			sunk.Add(1)
			return nil
		})
	}
	go func() { _ = router.Run(context.Background()) }()
	<-router.Running()
	return func() {
		_ = router.Close()
		_ = sub.Close()
		_ = pub.Close()
	}, nil
}

func sanitize(subject string) string {
	out := []byte(subject)
	for i, c := range out {
		if c == '.' || c == '*' || c == '>' {
			out[i] = '_'
		}
	}
	return string(out)
}
