# xgate — two commands do all the set-up on a fresh Debian 12 machine with Go 1.26:
#   make demo   the main job on the embedded default
#   make test   every test
SHELL := /bin/bash
GO    ?= go
BIN   := bin/xgate
export CGO_ENABLED := 1

.PHONY: all deps build demo test vet bench clean

all: build

deps:
	@./.ci/deps.sh
	@command -v $(GO) >/dev/null || { echo "make: Go 1.26 is required (https://go.dev/dl/)" >&2; exit 1; }

build: deps
	$(GO) build -o $(BIN) ./cmd/xgate

demo: build
	./$(BIN) demo

vet: deps
	$(GO) vet ./...

# XGATE_REQUIRE_XMLSEC1: the interop tests fail instead of skipping when xmlsec1 is missing.
test: deps vet
	XGATE_REQUIRE_XMLSEC1=1 $(GO) test -count=1 -timeout 30m ./...

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./xml/... ./outbox/...

clean:
	rm -rf bin
