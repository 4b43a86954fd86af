package stage_test

import (
	"flag"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/newsflow/newsflow/pkg/stage"
)

func envFrom(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestConfigFromEnvAndFlags(t *testing.T) {
	cfg := stage.DefaultConfig()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	e := &stage.EnvFlags{FlagSet: fs, Lookup: envFrom(map[string]string{
		"NEWSFLOW_NATS_URL":        "nats://a:4222",
		"NEWSFLOW_CONCURRENCY":     "8",
		"NEWSFLOW_STREAM_MAX_AGE":  "24h",
		"NEWSFLOW_STREAM_REPLICAS": "3",
	})}
	cfg.Flags(e)
	if err := fs.Parse([]string{"-concurrency", "12"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
	if cfg.NATS.URL != "nats://a:4222" || cfg.Streams.Replicas != 3 || cfg.Streams.MaxAge.Hours() != 24 {
		t.Errorf("env not applied: %+v", cfg)
	}
	if cfg.Consumer.Concurrency != 12 {
		t.Errorf("concurrency = %d; want the flag's 12 over the env's 8", cfg.Consumer.Concurrency)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestMalformedEnvIsReported(t *testing.T) {
	cfg := stage.DefaultConfig()
	e := &stage.EnvFlags{FlagSet: flag.NewFlagSet("t", flag.ContinueOnError), Lookup: envFrom(map[string]string{
		"NEWSFLOW_CONCURRENCY":    "lots",
		"NEWSFLOW_STREAM_MAX_AGE": "a week",
	})}
	cfg.Flags(e)
	err := e.Err()
	if err == nil || !strings.Contains(err.Error(), `NEWSFLOW_CONCURRENCY="lots": want a whole number`) ||
		!strings.Contains(err.Error(), "NEWSFLOW_STREAM_MAX_AGE") {
		t.Errorf("err = %v; want both variables named", err)
	}
}

func TestValidateSaysWhatWouldWork(t *testing.T) {
	cfg := stage.DefaultConfig()
	cfg.Streams.Replicas = 7
	cfg.Consumer.Concurrency = 0
	cfg.NATS.Cert = "client.pem"
	cfg.LogLevel = "loud"
	err := cfg.Validate()
	for _, want := range []string{"NEWSFLOW_STREAM_REPLICAS=7: JetStream allows 1 to 5", "NEWSFLOW_CONCURRENCY=0", "NEWSFLOW_NATS_CERT and NEWSFLOW_NATS_KEY go together", "NEWSFLOW_LOG_LEVEL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v; want it to say %q", err, want)
		}
	}
}

func TestSecretsAreMaskedInTheStartupLog(t *testing.T) {
	cfg := stage.DefaultConfig()
	cfg.NATS.URL = "nats://svc:hunter2-secret@nats-1:4222,nats://svc:hunter2-secret@nats-2:4222"
	cfg.NATS.User = "svc"
	cfg.NATS.Password = "hunter2-secret"
	core, logs := observer.New(zap.InfoLevel)
	zap.New(core).Info("starting", cfg.LogFields()...)
	for _, entry := range logs.All() {
		for k, v := range entry.ContextMap() {
			if s, ok := v.(string); ok && strings.Contains(s, "hunter2") {
				t.Errorf("field %s leaks the password: %q", k, s)
			}
		}
	}
	fields := logs.All()[0].ContextMap()
	if got := fields["nats_url"]; got != "nats://svc:****@nats-1:4222,nats://svc:****@nats-2:4222" {
		t.Errorf("nats_url = %q", got)
	}
	if got := fields["nats_password"]; got != "****" {
		t.Errorf("nats_password = %q; want ****", got)
	}
}

func TestSecretsStayOutOfHelp(t *testing.T) {
	cfg := stage.DefaultConfig()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	var help strings.Builder
	fs.SetOutput(&help)
	e := &stage.EnvFlags{FlagSet: fs, Lookup: envFrom(map[string]string{"NEWSFLOW_NATS_PASSWORD": "hunter2-secret"})}
	cfg.Flags(e)
	fs.PrintDefaults()
	if strings.Contains(help.String(), "hunter2") {
		t.Errorf("-help shows the password:\n%s", help.String())
	}
	if cfg.NATS.Password != "hunter2-secret" {
		t.Errorf("password = %q; want it read from the environment", cfg.NATS.Password)
	}
	if err := fs.Parse([]string{"-nats-password", "from-flag"}); err != nil || cfg.NATS.Password != "from-flag" {
		t.Errorf("flag did not override: %q, %v", cfg.NATS.Password, err)
	}
}
