# newsflow: one Makefile for every module in go.work.
GO      ?= go
SHARED  ?= ../shared/data
# Every module in go.work, as directories and as package patterns.
MODULE_DIRS = $(shell $(GO) list -m -f '{{.Dir}}')
MODULES     = $(addsuffix /...,$(MODULE_DIRS))
# staticcheck's binary; .ci/run installs the pinned version.
STATICCHECK ?= staticcheck

.PHONY: test test-short vet fmt-check tidy-check staticcheck run model eval build

## build: newsflow and every service (each services/<name>/cmd/<name>) as static binaries in ./bin
## (BIN=DIR to change), no Docker needed; each logs and exports (newsflow_build_info) `git describe` as
## its version.
BIN      ?= bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
SERVICES  = $(patsubst services/%/,%,$(dir $(wildcard services/*/cmd)))
build:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X github.com/newsflow/newsflow/internal/cli.Version=$(VERSION)" -o $(BIN)/ ./cmd/newsflow
	for svc in $(SERVICES); do \
		CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o $(BIN)/ ./services/$$svc/cmd/$$svc || exit 1; \
	done

## test: formatting, vet, then every module's tests with the race detector (what CI runs).
test: fmt-check vet
	$(GO) test -race -count=1 $(MODULES)

## test-short: the developers' inner loop: every module's tests with -short (the slow load,
## cluster and process-kill tests skip themselves), results cached by go test.
test-short:
	$(GO) test -short $(MODULES)

vet:
	$(GO) vet $(MODULES)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## tidy-check: `go mod tidy` would change no module's go.mod or go.sum.
tidy-check:
	@for m in $(MODULE_DIRS); do (cd $$m && $(GO) mod tidy -diff) || { echo "go mod tidy needed in $$m"; exit 1; }; done

## staticcheck: staticcheck over every module.
staticcheck:
	$(STATICCHECK) $(MODULES)

## model: retrain the NER weights (services/enrich/ner/model.bin.gz) from CoNLL-2003 train;
## deterministic, so the committed file is reproduced byte for byte.
model:
	cd services/enrich && $(GO) run ./cmd/nertrain -train $(abspath $(SHARED))/ner/conll2003/train.txt -dev $(abspath $(SHARED))/ner/conll2003/valid.txt

## eval: every quality measurement on ../shared/data (override SHARED=...).
eval:
	$(GO) run ./cmd/newsflow eval extraction --dataset $(SHARED)/extraction/scrapinghub-aeb
	$(GO) run ./cmd/newsflow eval extraction --dataset $(SHARED)/extraction/trafilatura-sample
	$(GO) run ./cmd/newsflow eval dedupe --originals $(SHARED)/bbc --variants $(SHARED)/syndication/variants.jsonl --pairs $(SHARED)/syndication/bbc_natural_overlap_pairs.json
	$(GO) run ./cmd/newsflow eval ner --conll $(SHARED)/ner/conll2003/valid.txt
	$(GO) run ./cmd/newsflow eval gum --dir $(SHARED)/ner/gum-news
	$(GO) run ./cmd/newsflow eval linking --data $(SHARED)/linking/aida-conll-dev.jsonl
	$(GO) run ./cmd/newsflow eval stories --data $(SHARED)/stories/ecbplus.jsonl --data $(SHARED)/stories/gvc.jsonl --data $(SHARED)/stories/wikinews.jsonl --data $(SHARED)/stories/allsides.jsonl
	$(GO) run ./cmd/newsflow eval stories --drop-dates --data $(SHARED)/stories/gvc.jsonl --data $(SHARED)/stories/wikinews.jsonl --data $(SHARED)/stories/allsides.jsonl

## run: the quick-start pipeline over the example articles.
run:
	$(GO) run ./cmd/newsflow run --once --input examples/articles

## bench: the relay against nats.go and Watermill, every stage alone beside its peer,
## `newsflow run --once` end to end, and the web UI's pages on 100,000 documents, in under 10
## minutes on 2 cores (the first run also builds the pages' index, in BENCH_WEBUI_INDEX: minutes more).
## Tables in bench/bench-results.md (for BENCHMARKS.md), raw numbers in bench/bench-results.json.
BENCH_WEBUI_INDEX ?= $(HOME)/.cache/newsflow/bench-webui
.PHONY: bench
bench:
	$(GO) run ./bench/cmd/benchrun -root . -commit "$$(git rev-parse --short HEAD)" -webui-index $(BENCH_WEBUI_INDEX) \
		-bbc $(SHARED)/bbc -variants $(SHARED)/syndication/variants.jsonl \
		-pages $(SHARED)/extraction/scrapinghub-aeb/html -page-urls $(SHARED)/extraction/scrapinghub-aeb/ground-truth.json \
		-markdown bench/bench-results.md -json bench/bench-results.json $(BENCHFLAGS)

.PHONY: chaos load soak

## soak: SOAK_ARTICLES (default 1,000,000) distinct articles through the dedupe service as its own process
## (14-day window, its band index on disk), one in 20 a planted copy, the BBC originals and their variants
## mixed in as real text; logs resident memory, CPU, latency (of its 32 in flight) and copies found per 5 %,
## then the latency of 1,000 more articles sent one at a time at the full window, and ends with
## `articles=N seconds=S peak_rss_mib=M planted=P found=F`. The service is built as the images are
## (CGO_ENABLED=0); SOAK_CGO=1 builds it with cgo. SOAK_REPLICAS (default 1) replicas share the articles.
SOAK_ARTICLES ?= 1000000
SOAK_CGO ?= 0
SOAK_REPLICAS ?= 1
soak:
	@log=$$(mktemp) && rc=$$(mktemp) && \
	{ cd services/dedupe && NEWSFLOW_DEDUPE_SOAK=$(SOAK_ARTICLES) NEWSFLOW_DEDUPE_SOAK_CGO=$(SOAK_CGO) \
		NEWSFLOW_DEDUPE_SOAK_REPLICAS=$(SOAK_REPLICAS) \
		NEWSFLOW_DEDUPE_SOAK_ORIGINALS=$(abspath $(SHARED))/bbc \
		NEWSFLOW_DEDUPE_SOAK_VARIANTS=$(abspath $(SHARED))/syndication/variants.jsonl \
		$(GO) test -run '^TestSoak$$' -v -count=1 -timeout 2h . 2>&1; echo $$? > $$rc; } | tee $$log; \
	status=$$(cat $$rc); grep '^articles=' $$log | tail -1; rm -f $$log $$rc; exit $$status

## chaos: the fault suite: the five services as OS processes killed with -9, a rolling restart (SIGTERM
## each in turn while scrapers upload over HTTP), a 3-node NATS cluster losing a node and a stream leader,
## Elasticsearch faults, a poison article and intake backpressure. The outage lasts 30s by default;
## CHAOS_FLAGS=-outage=2m runs the full two minutes, CHAOS_FLAGS=-only=rolling one group.
chaos:
	$(GO) run ./chaos/cmd/chaos -root . $(CHAOS_FLAGS)

## load: 100,000 articles (BBC and syndication variants under new ids) through newsflow run --once,
## with RSS and threads sampled; needs $(SHARED).
load:
	$(GO) run ./chaos/cmd/load -root . -data $(SHARED) $(LOAD_FLAGS)
