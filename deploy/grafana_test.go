package deploy

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// metricName matches a newsflow metric in a PromQL expression.
var metricName = regexp.MustCompile(`\bnewsflow_[a-z0-9_]+`)

// Every metric the Grafana dashboard queries is one a real runtime (a
// stage, the intake, the build info) exposes, and the stage panels
// split by the stage label rather than naming stages.
func TestGrafanaDashboardQueriesRealMetrics(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("grafana", "newsflow.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("grafana/newsflow.json: %v", err)
	}

	exposed := exposedMetrics(t)
	queried := 0
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			for _, name := range metricName.FindAllString(target.Expr, -1) {
				queried++
				family := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count"), "_sum")
				if !exposed[family] {
					t.Errorf("panel %q queries %s, which nothing exposes", p.Title, name)
				}
			}
			for _, st := range []string{stage.NameIngest, stage.NameDedupe, stage.NameEnrich, stage.NameIndex} {
				if strings.Contains(target.Expr, `"`+st+`"`) {
					t.Errorf("panel %q names stage %s; split by the stage label so new stages appear", p.Title, st)
				}
			}
		}
	}
	for _, want := range []string{"newsflow_messages_total", "newsflow_message_duration_seconds", "newsflow_messages_in_flight", "newsflow_build_info"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the dashboard does not use %s", want)
		}
	}
	if dash.UID == "" || queried == 0 {
		t.Errorf("uid %q, %d metrics queried; want a uid and queries", dash.UID, queried)
	}
}

// exposedMetrics starts a runtime with one stage and the intake's metrics
// on a real NATS server and returns the families its registry gathers.
func exposedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	srv := natstest.Server(t)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	cfg := stage.DefaultConfig()
	cfg.Streams.MaxBytes = 64 << 20
	ctx := context.Background()
	rt, err := stage.OpenConn(ctx, nc, cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Shutdown(context.Background()) })
	if _, err := stage.Start(ctx, rt, stage.Stage[*schema.Document, *schema.Document]{
		Name: stage.NameEnrich, Input: stage.SubjectDeduped, Output: stage.SubjectEnriched, Decode: schema.DecodeDocument,
		Process: func(_ context.Context, d *schema.Document) (*schema.Document, error) { return d, nil },
	}); err != nil {
		t.Fatal(err)
	}
	if err := rt.Register(stage.BuildInfo("test")); err != nil {
		t.Fatal(err)
	}
	// The intake's vectors show once an article has gone through it.
	m := intake.NewMetrics(rt.Registry())
	h := intake.NewHandler(intake.NewPublisher(rt.JetStream(), nil).WithMetrics(m), intake.HandlerConfig{}, nil).WithMetrics(m)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, intake.Path, strings.NewReader(`{"url":"https://example.org/1","text":"A body."}`)))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("intake: %d %s", rec.Code, rec.Body)
	}
	families, err := rt.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	exposed := map[string]bool{}
	for _, f := range families {
		exposed[f.GetName()] = true
	}
	return exposed
}
