#!/usr/bin/env bash
# Installs everything isla needs to build, run and test on Debian 12.
# Idempotent: packages already present are not reinstalled, and apt's
# package lists are refreshed only when something is missing.
set -euo pipefail

packages=(
  build-essential pkg-config clang libclang-rt-14-dev   # gcc + clang (libFuzzer, sanitizers)
  libh2o-evloop-dev libssl-dev                          # HTTP/1.1 + HTTP/2 server
  zlib1g-dev libdeflate-dev                             # gzip input, CRC-32, gzip responses
  libbrotli-dev                                         # brotli responses
  libcurl4-openssl-dev                                  # alert webhooks (HTTPS)
  libcmocka-dev                                         # unit tests
  libyaml-dev                                           # isla load: YAML plans
  libsqlite3-dev sqlite3                                # differential test oracle
  python3 curl wrk                                      # integration tests, load tests
  strace                                                # fault injection in the import tests
  openssl prometheus                                    # TLS test certificates, a real scraper
  chromium                                              # browser tests of the web UI
  libhiredis-dev redis-server redis-tools nginx         # the fleet: Redis L2 cache, nginx in front
)
# Node runs the browser tests (playwright-core); Debian's only if none is there.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# playwright-core for the browser tests, pinned by package-lock.json. It
# drives Debian's chromium, so no browser download happens (none could).
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$root/node_modules/playwright-core" ]; then
  echo "setup: npm ci (playwright-core)" >&2
  (cd "$root" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2)
fi
