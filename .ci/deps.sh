#!/usr/bin/env bash
# Installs the system packages xgate needs when they are missing: apt-get
# when running as root, otherwise a clear message of what to install.
set -euo pipefail

need=()
dpkg -s libxml2-dev >/dev/null 2>&1 || need+=(libxml2-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v xmlsec1 >/dev/null 2>&1 || need+=(xmlsec1)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
# PostgreSQL server binaries for the tests of outbox/pgstore (internal/pgtest
# runs initdb and postgres from /usr/lib/postgresql/15/bin).
if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
  if apt-cache show postgresql-15 >/dev/null 2>&1; then need+=(postgresql-15); else need+=(postgresql); fi
fi

if ((${#need[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  exit 0
fi
echo "deps: missing ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
exit 1
