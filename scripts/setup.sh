#!/usr/bin/env bash
# Installs everything this repository needs on a fresh machine of this kind (Node 20, Debian, root):
# pnpm (pinned), the dependencies (frozen lockfile), Debian's Chromium for browser tests, and makes
# sure PostgreSQL answers on 127.0.0.1:5432. Idempotent: a second run only checks.
#   bash scripts/setup.sh          everything (tests)
#   bash scripts/setup.sh --demo   only what the demo needs (pnpm and the dependencies)
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install --global "pnpm@$PNPM_VERSION" >/dev/null
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ "${1:-}" != "--demo" ]; then
  if [ ! -x /usr/bin/chromium ]; then
    echo "setup: installing Debian's chromium"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "setup: starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi

pnpm install --frozen-lockfile
