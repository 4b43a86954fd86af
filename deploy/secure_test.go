package deploy

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// secureEnv is what an operator puts in .env for the secured variant.
var secureEnv = []string{
	"ELASTIC_PASSWORD=elastic-pw",
	"KIBANA_SYSTEM_PASSWORD=kibana-system-pw",
	"KIBANA_ENCRYPTION_KEY=0123456789abcdef0123456789abcdef",
	"NEWSFLOW_ES_PASSWORD=indexer-pw",
	"NEWSFLOW_NATS_INGEST_PASSWORD=ingest-pw",
	"NEWSFLOW_NATS_DEDUPE_PASSWORD=dedupe-pw",
	"NEWSFLOW_NATS_ENRICH_PASSWORD=enrich-pw",
	"NEWSFLOW_NATS_STORIES_PASSWORD=stories-pw",
	"NEWSFLOW_NATS_INDEXER_PASSWORD=indexer-pw",
	"NEWSFLOW_NATS_SCRAPER_PASSWORD=scraper-pw",
	"NEWSFLOW_NATS_ADMIN_PASSWORD=admin-pw",
}

func env(s types.ServiceConfig, name string) string {
	if v := s.Environment[name]; v != nil {
		return *v
	}
	return ""
}

func TestComposeSecureVariant(t *testing.T) {
	p := loadCompose(t, secureEnv, "docker-compose.yml", "docker-compose.secure.yml")
	es, kibana, setup, indexer := p.Services["elasticsearch"], p.Services["kibana"], p.Services["setup"], p.Services["indexer"]

	checks := []struct {
		what, got, want string
	}{
		{"elasticsearch xpack.security.enabled", env(es, "xpack.security.enabled"), "true"},
		{"elasticsearch http TLS", env(es, "xpack.security.http.ssl.enabled"), "true"},
		{"elasticsearch ELASTIC_PASSWORD", env(es, "ELASTIC_PASSWORD"), "elastic-pw"},
		{"kibana ELASTICSEARCH_USERNAME", env(kibana, "ELASTICSEARCH_USERNAME"), "kibana_system"},
		{"kibana ELASTICSEARCH_PASSWORD", env(kibana, "ELASTICSEARCH_PASSWORD"), "kibana-system-pw"},
		// setup sets the password Kibana logs in with.
		{"setup KIBANA_SYSTEM_PASSWORD", env(setup, "KIBANA_SYSTEM_PASSWORD"), env(kibana, "ELASTICSEARCH_PASSWORD")},
		{"setup ELASTIC_PASSWORD", env(setup, "ELASTIC_PASSWORD"), env(es, "ELASTIC_PASSWORD")},
		// setup creates the user the indexer writes with.
		{"setup NEWSFLOW_ES_USERNAME", env(setup, "NEWSFLOW_ES_USERNAME"), env(indexer, "NEWSFLOW_ES_USERNAME")},
		{"setup NEWSFLOW_ES_PASSWORD", env(setup, "NEWSFLOW_ES_PASSWORD"), "indexer-pw"},
		{"indexer NEWSFLOW_ES_PASSWORD", env(indexer, "NEWSFLOW_ES_PASSWORD"), "indexer-pw"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	for _, name := range []string{"ELASTICSEARCH_USERNAME", "ELASTICSEARCH_SERVICEACCOUNTTOKEN"} {
		if env(kibana, name) == "elastic" {
			t.Errorf("kibana %s is elastic: Kibana 8 refuses the superuser", name)
		}
	}
	if u := env(indexer, "NEWSFLOW_ES_USERNAME"); u == "" || u == "elastic" {
		t.Errorf("indexer NEWSFLOW_ES_USERNAME = %q, want a least-privilege user", u)
	}
	if u := env(indexer, "NEWSFLOW_ES_URLS"); !strings.HasPrefix(u, "https://") {
		t.Errorf("indexer NEWSFLOW_ES_URLS = %q, want https", u)
	}
	// Kibana can only become healthy after setup set its password, so
	// setup must not wait for Kibana to be healthy.
	if c := setup.DependsOn["kibana"].Condition; c == types.ServiceConditionHealthy {
		t.Errorf("setup waits for kibana %s: deadlock, kibana cannot log in before setup runs", c)
	}
	for _, name := range pipeline {
		s := p.Services[name]
		// Its own user from nats-secure.conf, with the password the
		// server reads for that user.
		if u := env(s, "NEWSFLOW_NATS_USER"); u != name {
			t.Errorf("%s: NEWSFLOW_NATS_USER = %q, want its own user %q", name, u, name)
		}
		if pw, server := env(s, "NEWSFLOW_NATS_PASSWORD"), env(p.Services["nats"], natsPasswordEnv(name)); pw != natsPassword(name) || pw != server {
			t.Errorf("%s: NEWSFLOW_NATS_PASSWORD = %q, server's %s = %q, want both %q", name, pw, natsPasswordEnv(name), server, natsPassword(name))
		}
		// Every file a service is pointed at must be mounted.
		for _, v := range []string{"NEWSFLOW_NATS_CA_CERT", "NEWSFLOW_ES_CA_CERT"} {
			path := env(s, v)
			if path == "" {
				continue
			}
			if !mounted(s, path) {
				t.Errorf("%s %s=%s is not under any mounted volume", name, v, path)
			}
		}
	}
	if !mounted(kibana, env(kibana, "ELASTICSEARCH_SSL_CERTIFICATEAUTHORITIES")) {
		t.Errorf("kibana CA %s is not mounted", env(kibana, "ELASTICSEARCH_SSL_CERTIFICATEAUTHORITIES"))
	}
	var natsConf string
	for _, v := range p.Services["nats"].Volumes {
		if v.Target == "/etc/nats/nats.conf" {
			natsConf = filepath.Base(v.Source)
		}
	}
	if natsConf != "nats-secure.conf" {
		t.Errorf("nats runs with %q, want nats-secure.conf", natsConf)
	}
	if !mounted(setup, env(setup, "CA_CERT")) {
		t.Errorf("setup CA %s is not mounted", env(setup, "CA_CERT"))
	}
}

func mounted(s types.ServiceConfig, path string) bool {
	for _, v := range s.Volumes {
		if path == v.Target || strings.HasPrefix(path, v.Target+"/") {
			return true
		}
	}
	return false
}

// TestComposeSecureNeedsSecrets checks that the secured variant refuses
// to start without its secrets instead of running with empty passwords.
func TestComposeSecureNeedsSecrets(t *testing.T) {
	for i := range secureEnv {
		partial := append(append([]string{}, secureEnv[:i]...), secureEnv[i+1:]...)
		missing, _, _ := strings.Cut(secureEnv[i], "=")
		opts, err := cli.NewProjectOptions(
			[]string{filepath.Join(repoRoot, "docker-compose.yml"), filepath.Join(repoRoot, "docker-compose.secure.yml")},
			cli.WithWorkingDirectory(repoRoot), cli.WithEnv(partial), cli.WithInterpolation(true))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := opts.LoadProject(context.Background()); err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("without %s: err = %v, want one naming it", missing, err)
		}
	}
}
