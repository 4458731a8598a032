#!/usr/bin/env bash
# Installs what building and testing xgate needs when it is missing: the
# system packages with apt-get when running as root (otherwise a clear
# message of what to install), and staticcheck, pinned, from the Go module
# proxy into bin/tools.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
dpkg -s libxml2-dev >/dev/null 2>&1 || need+=(libxml2-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v xmlsec1 >/dev/null 2>&1 || need+=(xmlsec1)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
# The audit interop tests re-verify exports with python3 and openssl.
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# The conformance report's screenshot test renders its HTML in headless
# Chromium; the vendor package's test validates its vectors with xmllint.
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
# PostgreSQL server binaries for the tests of outbox/pgstore (internal/pgtest
# runs initdb and postgres from /usr/lib/postgresql/15/bin).
if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
  if apt-cache show postgresql-15 >/dev/null 2>&1; then need+=(postgresql-15); else need+=(postgresql); fi
fi

if ((${#need[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "deps: missing ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
fi

# staticcheck, pinned (it must support the Go version of go.mod).
STATICCHECK_VERSION=v0.8.2
bin=bin/tools/staticcheck
if ! [[ -x $bin ]] || ! "$bin" -version 2>/dev/null | grep -q "(${STATICCHECK_VERSION#v})"; then
  command -v go >/dev/null || { echo "deps: Go 1.26 is required (https://go.dev/dl/)" >&2; exit 1; }
  echo "deps: installing staticcheck $STATICCHECK_VERSION into bin/tools" >&2
  GOBIN="$PWD/bin/tools" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi
