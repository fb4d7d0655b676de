# kmslab — the two commands a newcomer needs are `make run` and `make test`.
GO          ?= go
BIN         := $(CURDIR)/bin
STATICCHECK := $(BIN)/staticcheck
# staticcheck 2026.2.2 is the newest release the module proxy serves that knows Go 1.26.
STATICCHECK_VERSION := v0.8.2
FUZZTIME    ?= 60s

.PHONY: run build test lint unit fuzz-short fuzz bench tools clean

## run: the lab, full screen, against the built-in sandbox (plain text when not on a terminal)
run:
	@$(GO) run ./cmd/kmslab

## build: bin/kmslab
build:
	$(GO) build -o $(BIN)/kmslab ./cmd/kmslab

## test: format, vet, lint, race tests (incl. AWS CLI and boto3 conformance), short fuzzing
test: lint unit fuzz-short

unit:
	$(GO) test -race -count=1 -timeout 20m ./...

lint: $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

## fuzz-short: every fuzz target briefly (part of make test)
fuzz-short:
	scripts/fuzz.sh 3s

## fuzz: every fuzz target for FUZZTIME (default 60s)
fuzz:
	scripts/fuzz.sh $(FUZZTIME)

## bench: throughput against dynalite and moto, start-up time, per-op costs
bench: build
	npm ci --silent --no-audit --no-fund --prefix bench
	KMSLAB_BIN=$(BIN)/kmslab $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 15m ./bench/
	$(GO) test -run '^$$' -bench . -benchmem ./policy/ ./sandbox/... ./tui/

tools: $(STATICCHECK)

$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

clean:
	rm -rf $(BIN) bench/node_modules
