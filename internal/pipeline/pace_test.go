package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

// A backlog of more than a batch waiting when the stages start switches
// the pacer to behind: the indexes linger longer and the stories stage
// publishes its snapshots less often.
func TestPacerSwitchesWhenBehind(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	core, logs := observer.New(zap.InfoLevel)
	p := openStopped(t, ctx, zap.New(core))
	js := p.Runtime().JetStream()
	// Twice a batch: the stages cannot bring it under one batch before
	// the pacer's first reading, since enrich is ready last (its models).
	var acks []jetstream.PubAckFuture
	for i := range 2 * sinkConcurrency {
		b, err := json.Marshal(schema.RawArticle{URL: fmt.Sprintf("https://wire.example/%d", i), Source: "Example Wire",
			Title: fmt.Sprintf("Report number %d on the harbour", i), Text: fmt.Sprintf("The harbour reopened on day %d after a storm.", i)})
		if err != nil {
			t.Fatal(err)
		}
		ack, err := js.PublishAsync(stage.SubjectRaw, b)
		if err != nil {
			t.Fatal(err)
		}
		acks = append(acks, ack)
	}
	for _, ack := range acks {
		select {
		case <-ack.Ok():
		case err := <-ack.Err():
			t.Fatal(err)
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
	}
	if err := p.StartStages(ctx); err != nil {
		t.Fatal(err)
	}
	for logs.FilterMessageSnippet("pipeline behind").Len() == 0 {
		select {
		case <-ctx.Done():
			t.Fatal("the pacer never said the pipeline is behind")
		case <-time.After(50 * time.Millisecond):
		}
	}
}
