# rehearse — load-test and upgrade-rehearsal harness. `make help` lists targets.
SHELL := bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN := bin
# golangci-lint v2, pinned; installed from the Go module proxy into .tools/.
GOLANGCI_VERSION := v2.15.0
GOLANGCI := .tools/golangci-lint
# tusd, the tus protocol's reference server: the wire's conformance suite
# runs the storm against it (harness/internal/storm/conformance_test.go).
TUSD_VERSION := v2.9.1
TUSD := .tools/tusd
PLATFORMS := linux/amd64 linux/arm64
export TESTCONTAINERS_RYUK_DISABLED := true
export TESTCONTAINERS_HOST_OVERRIDE := 127.0.0.1
# The tools installed into .tools/ are found by the tests on the PATH.
export PATH := $(CURDIR)/.tools:$(PATH)

.PHONY: help build dist image test go-test timing bench-long fuzz tools test-short lint check-deps images bench demo regress sweep clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build bin/rehearse and bin/uploadsvc (static)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/rehearse ./cmd/rehearse
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/uploadsvc ./cmd/uploadsvc

dist: ## static release binaries for $(PLATFORMS) with the version stamped, in dist/
	@for p in $(PLATFORMS); do os=$${p%/*}; arch=$${p#*/}; \
	  echo "dist/rehearse-$(VERSION)-$$os-$$arch"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/rehearse-$(VERSION)-$$os-$$arch ./cmd/rehearse || exit 1; \
	done

image: build ## the image rehearse/rehearse:<version>, FROM scratch, to run rehearse itself in a container (shards)
	@ctx=$$(mktemp -d) && cp $(BIN)/rehearse $$ctx/rehearse && \
	  printf 'FROM scratch\nCOPY rehearse /rehearse\nUSER 65532:65532\nENTRYPOINT ["/rehearse"]\n' > $$ctx/Dockerfile && \
	  DOCKER_BUILDKIT=0 docker build -q --label rehearse.run=image -t rehearse/rehearse:$(VERSION) $$ctx && rm -rf $$ctx

test: lint check-deps go-test timing fuzz regress ## everything CI runs: lint, dependency check, all Go tests (Docker ones included), the answer parser's fuzzing, the seed regression suite

go-test: $(TUSD) ## all Go tests under the race detector, Docker integration tests included
	$(GO) test -race -count=1 -timeout 20m ./...

# The tests that measure timing (a capacity search through the real storm)
# run without the race detector, which slows the generator several times
# over, and after the others, on a machine left to them.
timing: ## the timing-measuring tests, without the race detector
	$(GO) test -count=1 -run '^TestCapacity' ./cmd/rehearse/

# FUZZTIME bounds the differential fuzzing of the wire's answer parser
# against net/http (harness/internal/storm/wire/answer_fuzz_test.go) in CI.
FUZZTIME ?= 30s
fuzz: ## fuzz the wire's answer parser against net/http's for FUZZTIME (30s)
	$(GO) test -run '^$$' -fuzz '^FuzzAnswer$$' -fuzztime $(FUZZTIME) ./harness/internal/storm/wire/

test-short: ## unit tests only (no Docker, no long runs)
	$(GO) test -short -count=1 ./...

$(TUSD):
	CGO_ENABLED=0 GOBIN=$(CURDIR)/.tools $(GO) install github.com/tus/tusd/v2/cmd/tusd@$(TUSD_VERSION)

tools: $(GOLANGCI) $(TUSD) ## install golangci-lint and tusd into .tools/

$(GOLANGCI):
	GOBIN=$(CURDIR)/.tools $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)

lint: $(GOLANGCI) ## golangci-lint (gofmt, vet, errcheck, staticcheck, unused, revive, funlen 80: .golangci.yml)
	$(GOLANGCI) run ./...

check-deps: ## prove the one-way dependencies (docs/ARCHITECTURE.md)
	@bad=$$($(GO) list -deps ./scenarios/... ./reports/... ./sut/... ./traffic/... | grep -E 'testcontainers|moby|docker|vegeta|rehearse/harness|rehearse/cmd' || true); \
	if [ -n "$$bad" ]; then echo "leaf packages import forbidden packages:"; echo "$$bad"; exit 1; fi
	@for p in scenarios reports sut traffic; do for q in scenarios reports sut traffic; do [ $$p = $$q ] && continue; \
	  if $(GO) list -deps ./$$p/... | grep -qx "github.com/rehearse-dev/rehearse/$$q"; then echo "$$p imports $$q"; exit 1; fi; done; done
	@bad=$$($(GO) list -f '{{join .Imports "\n"}}' ./cmd/... | grep -E 'testcontainers|moby|docker|vegeta' || true); \
	if [ -n "$$bad" ]; then echo "cmd imports heavy libraries directly (go through harness):"; echo "$$bad"; exit 1; fi
	@if $(GO) list -deps ./reports | grep -qx "github.com/rehearse-dev/rehearse/reports/views"; then echo "the report model imports its views"; exit 1; fi
	@if $(GO) list -deps ./harness | grep -qE "rehearse/harness/(distribute|analysis)$$"; then echo "one rehearsal (harness) imports distribution or analysis"; exit 1; fi
	@echo "check-deps: ok"

images: build ## build the reference image rehearse/uploadsvc:<content hash>
	$(BIN)/rehearse images

bench: ## Go benchmarks, then the storm vs the vegeta CLI side by side: CPU, memory in flight, the knee (numbers go in the README)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./...
	REPS=3 bash bench/vs-vegeta.sh
	RATES="5000 9000 13000 17000 21000 25000" bash bench/knee.sh

bench-long: ## the storm's memory against its callers (1,000,000) and its length (30 minutes at 3,000/s): bench/long-run.sh
	bash bench/long-run.sh

demo: build ## replay the seed story: sync vs rate-limited vs balanced vs async
	$(BIN)/rehearse run seed

regress: build ## the seed scenarios at reduced scale with their gates (CI)
	$(BIN)/rehearse run --out rehearsals/regress --scale 0.5 --progress plain seed

sweep: build ## remove every Docker object rehearse left behind
	$(BIN)/rehearse sweep

clean: ## remove build outputs and rehearsal folders
	rm -rf $(BIN) dist rehearsals
