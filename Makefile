# newsflow: one Makefile for every module in go.work.
GO      ?= go
SHARED  ?= ../shared/data
# Every module in go.work, as package patterns.
MODULES  = $(shell $(GO) list -m -f '{{.Dir}}/...')

.PHONY: test vet fmt-check run model gazetteer eval

## test: formatting, vet, then every module's tests with the race detector.
test: fmt-check vet
	$(GO) test -race -count=1 $(MODULES)

vet:
	$(GO) vet $(MODULES)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## run: the quick-start pipeline over the example articles.
run:
	$(GO) run ./cmd/newsflow run --once --input examples/articles
