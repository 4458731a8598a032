# xgate — two commands do all the set-up on a fresh Debian 12 machine with Go 1.26:
#   make demo   the main job on the embedded default
#   make test   every check CI runs: go vet, staticcheck, the race detector over
#               the concurrent packages, then every test
# and a quick loop for development:
#   make test-short   vet and the tests with -short (no race detector, no staticcheck)
SHELL := /bin/bash
GO    ?= go
BIN   := bin/xgate
STATICCHECK := bin/tools/staticcheck
export CGO_ENABLED := 1

# Interop tests fail instead of skipping when a tool they need is missing
# (xmlsec1 for xml/secure; python3 and openssl for outbox/audit).
REQUIRE := XGATE_REQUIRE_TOOLS=1 XGATE_REQUIRE_XMLSEC1=1

# The packages with concurrent code, for the race detector: the stores and
# the scheduler, the daemon, the verification cache and parallel sealing,
# parallel key generation, the clock.
RACE_PKGS := ./outbox/... ./gateway/... ./xml/secure/... ./certs/... ./internal/... ./conformance/live/... ./conformance/partner/... ./conformance/defective/...

.PHONY: all deps build demo test test-short vet staticcheck race bench clean

all: build

deps:
	@./.ci/deps.sh

build: deps
	$(GO) build -o $(BIN) ./cmd/xgate

demo: build
	./$(BIN) demo

vet: deps
	$(GO) vet ./...

staticcheck: deps
	$(STATICCHECK) ./...

# -short keeps the race run to a few minutes: the crash and scale tests
# run in full in the normal pass below.
race: deps
	$(REQUIRE) $(GO) test -race -short -count=1 -timeout 20m $(RACE_PKGS)

test: deps vet staticcheck race
	$(REQUIRE) $(GO) test -count=1 -timeout 30m ./...

test-short: deps vet
	$(GO) test -short -count=1 -timeout 10m ./...

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./xml/... ./outbox/...

clean:
	rm -rf bin
