GO ?= go
# Every module in go.work, as package patterns.
MODULES = $(shell $(GO) list -m -f '{{.Dir}}/...')

.PHONY: test vet fmt tidy-check

## test: run every module's tests with the race detector.
test: vet
	$(GO) test -race -count=1 $(MODULES)

vet:
	$(GO) vet $(MODULES)
