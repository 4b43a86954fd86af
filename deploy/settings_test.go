package deploy

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/dedupe"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/ingest"
	"github.com/newsflow/newsflow/services/ingest/intake"
	"github.com/newsflow/newsflow/services/stories"
)

// settingValues gives every documented NEWSFLOW_* variable a valid value
// that differs from its default. A variable documented in a README but
// missing here fails TestEveryDocumentedSettingHasAnEffect, so the table
// follows the documentation.
var settingValues = map[string]string{
	// shared by every service (README.md, Configuration)
	"NEWSFLOW_NATS_URL":          "nats://nats-7:4222",
	"NEWSFLOW_NATS_USER":         "svc7",
	"NEWSFLOW_NATS_PASSWORD":     "pw7",
	"NEWSFLOW_NATS_CREDS":        "/run/secrets/svc7.creds",
	"NEWSFLOW_NATS_NKEY":         "/run/secrets/svc7.nk",
	"NEWSFLOW_NATS_INBOX_PREFIX": "_INBOX_svc7",
	"NEWSFLOW_NATS_CA_CERT":      "/run/secrets/ca7.pem",
	"NEWSFLOW_NATS_CERT":         "/run/secrets/client7.pem",
	"NEWSFLOW_NATS_KEY":          "/run/secrets/client7.key",
	"NEWSFLOW_STREAM_REPLICAS":   "3",
	"NEWSFLOW_STREAM_MAX_AGE":    "49h",
	"NEWSFLOW_STREAM_MAX_BYTES":  "7340032",
	"NEWSFLOW_STREAM_PROVISION":  "false",
	"NEWSFLOW_BATCH":             "77",
	"NEWSFLOW_CONCURRENCY":       "7",
	"NEWSFLOW_MAX_DELIVER":       "9",
	"NEWSFLOW_ACK_WAIT":          "47s",
	"NEWSFLOW_MAX_BACKLOG":       "7777",
	"NEWSFLOW_HTTP_ADDR":         "127.0.0.1:7777",
	"NEWSFLOW_HTTP_TLS_CERT":     "/run/secrets/http7.pem",
	"NEWSFLOW_HTTP_TLS_KEY":      "/run/secrets/http7.key",
	"NEWSFLOW_PPROF":             "true",
	"NEWSFLOW_LOG_LEVEL":         "debug",
	"NEWSFLOW_SHUTDOWN_TIMEOUT":  "77s",
	"NEWSFLOW_MEMORY_LIMIT":      "333MiB",
	// ingest (services/ingest/README.md)
	"NEWSFLOW_INGEST_MAX_TEXT_BYTES":           "777777",
	"NEWSFLOW_INGEST_MAX_HTML_BYTES":           "7777777",
	"NEWSFLOW_INGEST_MIN_WORDS":                "17",
	"NEWSFLOW_INGEST_LEARN_BOILERPLATE":        "false",
	"NEWSFLOW_INGEST_BOILERPLATE_BUCKET":       "boilerplate7",
	"NEWSFLOW_INGEST_BOILERPLATE_MIN_ARTICLES": "17",
	"NEWSFLOW_INGEST_KV_REPLICAS":              "3",
	"NEWSFLOW_INGEST_LANGUAGE_MIN_CONFIDENCE":  "0.37",
	"NEWSFLOW_INTAKE_TOKEN":                    "token7",
	"NEWSFLOW_INTAKE_MAX_BODY_BYTES":           "7777777",
	"NEWSFLOW_INTAKE_MAX_DECOMPRESSED_BYTES":   "17777777",
	"NEWSFLOW_INTAKE_RETRY_AFTER":              "7s",
	// dedupe (services/dedupe/README.md)
	"NEWSFLOW_DEDUPE_WINDOW":             "77h",
	"NEWSFLOW_DEDUPE_THRESHOLD":          "0.77",
	"NEWSFLOW_DEDUPE_KV_REPLICAS":        "3",
	"NEWSFLOW_DEDUPE_MAX_CANDIDATES":     "77",
	"NEWSFLOW_DEDUPE_MIN_SHINGLES":       "17",
	"NEWSFLOW_DEDUPE_MIN_SHARED":         "7",
	"NEWSFLOW_DEDUPE_BAND_BUCKET":        "bands7",
	"NEWSFLOW_DEDUPE_RECORD_BUCKET":      "records7",
	"NEWSFLOW_DEDUPE_KV_MEMORY":          "true",
	"NEWSFLOW_DEDUPE_KV_PARALLEL":        "7",
	"NEWSFLOW_DEDUPE_INDEX_DIR":          "/var/lib/dedupe7",
	"NEWSFLOW_DEDUPE_INDEX_CACHE_MIB":    "77",
	"NEWSFLOW_DEDUPE_INDEX_MEMTABLE_MIB": "12",
	// enrich (services/enrich/README.md)
	"NEWSFLOW_ENRICH_MAX_BODY_BYTES": "77777",
	"NEWSFLOW_ENRICH_TAGGER":         "false",
	"NEWSFLOW_ENRICH_MAX_ENTITIES":   "17",
	"NEWSFLOW_ENRICH_MIN_SALIENCE":   "0.37",
	// stories (services/stories/README.md)
	"NEWSFLOW_STORIES_THRESHOLD":         "0.37",
	"NEWSFLOW_STORIES_MERGE_THRESHOLD":   "0.77",
	"NEWSFLOW_STORIES_TIME_SCALE":        "17h",
	"NEWSFLOW_STORIES_HORIZON":           "170h",
	"NEWSFLOW_STORIES_MAX_STORIES":       "7777",
	"NEWSFLOW_STORIES_LOG_STREAM":        "STORIES_LOG_7",
	"NEWSFLOW_STORIES_LOG_MAX_BYTES":     "77777777",
	"NEWSFLOW_STORIES_LOG_REPLICAS":      "3",
	"NEWSFLOW_STORIES_SNAPSHOT_INTERVAL": "7s",
	"NEWSFLOW_STORIES_MAX_LAG":           "17s",
	"NEWSFLOW_STORIES_MAX_BATCH":         "17",
	"NEWSFLOW_STORIES_STATE_BUCKET":      "STORIES_STATE_7",
	"NEWSFLOW_STORIES_STATE_INTERVAL":    "17m",
	"NEWSFLOW_STORIES_STATE_MAX_BYTES":   "77777777",
	// indexer (services/indexer/README.md)
	"NEWSFLOW_ES_URL":                  "http://es-7:9200",
	"NEWSFLOW_ES_URLS":                 "http://es-7:9200,http://es-8:9200",
	"NEWSFLOW_ES_API_KEY":              "key7",
	"NEWSFLOW_ES_USERNAME":             "elastic7",
	"NEWSFLOW_ES_PASSWORD":             "pw7",
	"NEWSFLOW_ES_CA_CERT":              "/run/secrets/es-ca7.pem",
	"NEWSFLOW_INDEXER_INDEX_PREFIX":    "articles7",
	"NEWSFLOW_INDEXER_ALIAS":           "articles7",
	"NEWSFLOW_INDEXER_STORY_INDEX":     "stories7",
	"NEWSFLOW_INDEXER_FLUSH_INTERVAL":  "7s",
	"NEWSFLOW_INDEXER_FLUSH_BYTES":     "777777",
	"NEWSFLOW_INDEXER_WORKERS":         "7",
	"NEWSFLOW_INDEXER_MAX_INFLIGHT":    "7777",
	"NEWSFLOW_INDEXER_REQUEST_TIMEOUT": "17s",
	"NEWSFLOW_INDEXER_RETRY_TIMEOUT":   "77s",
	"NEWSFLOW_INDEXER_DOWN_WAIT":       "7m",
	"NEWSFLOW_INDEXER_START_TIMEOUT":   "7m",
}

// serviceSettings builds a service's registration on fresh default
// configs and returns it with a pointer to those configs, which its Flags
// fill.
var serviceSettings = map[string]func() (stage.Service, any){
	"ingest": func() (stage.Service, any) {
		c, i := ingest.DefaultConfig(), intake.DefaultHandlerConfig()
		return ingest.NewService(&c, &i), &[]any{&c, &i}
	},
	"dedupe": func() (stage.Service, any) {
		c := dedupe.DefaultConfig()
		return dedupe.NewService(&c), &c
	},
	"enrich": func() (stage.Service, any) {
		c := enrich.DefaultConfig()
		return enrich.NewService(&c), &c
	},
	"stories": func() (stage.Service, any) {
		c := stories.DefaultConfig()
		return stories.NewService(&c, nil), &c
	},
	"indexer": func() (stage.Service, any) {
		c := indexer.DefaultConfig()
		return indexer.NewService(&c), &c
	},
}

// settingOwner is the service a variable belongs to, by its prefix; ""
// for the runtime's settings, which every service reads.
func settingOwner(name string) string {
	for prefix, svc := range map[string]string{
		"NEWSFLOW_INGEST_": "ingest", "NEWSFLOW_INTAKE_": "ingest", "NEWSFLOW_DEDUPE_": "dedupe",
		"NEWSFLOW_ENRICH_": "enrich", "NEWSFLOW_STORIES_": "stories", "NEWSFLOW_INDEXER_": "indexer", "NEWSFLOW_ES_": "indexer",
	} {
		if strings.HasPrefix(name, prefix) {
			return svc
		}
	}
	return ""
}

// settingName matches a NEWSFLOW_* name.
var settingName = regexp.MustCompile(`NEWSFLOW_[A-Z0-9_]+`)

// documentedSettings returns the NEWSFLOW_* names in the first column of
// the tables of the root README and the services' READMEs.
func documentedSettings(t *testing.T) []string {
	t.Helper()
	files := []string{filepath.Join(repoRoot, "README.md")}
	for _, svc := range pipeline {
		files = append(files, filepath.Join(repoRoot, "services", svc, "README.md"))
	}
	var names []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			cells := strings.Split(line, "|")
			if !strings.HasPrefix(line, "|") || len(cells) < 3 {
				continue
			}
			names = append(names, settingName.FindAllString(cells[1], -1)...)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// parseSettings registers the runtime's and svc's settings with env as the
// environment and returns the filled configs, with the service that holds
// them.
func parseSettings(t *testing.T, svc string, env map[string]string) (stage.Config, stage.Service, any, *stage.EnvFlags) {
	t.Helper()
	rt := stage.DefaultConfig()
	s, cfg := serviceSettings[svc]()
	fs := flag.NewFlagSet(svc, flag.ContinueOnError)
	e := &stage.EnvFlags{FlagSet: fs, Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	rt.Flags(e)
	s.Flags(e)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := e.Err(); err != nil {
		t.Fatalf("%s: %v", svc, err)
	}
	return rt, s, cfg, e
}

// Every NEWSFLOW_* variable a README documents changes the settings of
// the services that read it: set alone, it is read (not reported as
// unknown) and its value lands in the configuration.
func TestEveryDocumentedSettingHasAnEffect(t *testing.T) {
	documented := documentedSettings(t)
	if len(documented) < 50 {
		t.Fatalf("found %d documented settings; the README tables moved?", len(documented))
	}
	for _, name := range documented {
		value, ok := settingValues[name]
		if !ok {
			t.Errorf("%s is documented but has no value in settingValues: add one that differs from its default", name)
			continue
		}
		owners := []string{settingOwner(name)}
		if owners[0] == "" {
			owners = sortedKeys(serviceSettings)
		}
		for _, svc := range owners {
			if _, ok := serviceSettings[svc]; !ok {
				t.Errorf("%s: no service %q in serviceSettings", name, svc)
				continue
			}
			defRT, _, defCfg, _ := parseSettings(t, svc, nil)
			gotRT, _, gotCfg, e := parseSettings(t, svc, map[string]string{name: value})
			if u := e.Unknown([]string{name + "=" + value}); len(u) > 0 {
				t.Errorf("%s: the %s service reads no such setting", name, svc)
				continue
			}
			if reflect.DeepEqual(defRT, gotRT) && reflect.DeepEqual(defCfg, gotCfg) {
				t.Errorf("%s=%s leaves the %s service's settings as they were", name, value, svc)
			}
		}
	}
	for name := range settingValues {
		if !slices.Contains(documented, name) {
			t.Errorf("settingValues has %s, which no README documents", name)
		}
	}
}
