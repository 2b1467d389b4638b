#!/usr/bin/env bash
# The browser tests (tests/browser) drive Debian's Chromium, never a browser Playwright downloads:
# install the package when it is missing. Without it those tests skip, saying why (or fail, where
# SEVA_REQUIRE_BROWSER=1 says a run must have them, as CI does).
set -euo pipefail

CHROMIUM=${SEVA_CHROMIUM:-/usr/bin/chromium}

say() { printf '\033[1m[browser]\033[0m %s\n' "$*"; }

if [ -x "$CHROMIUM" ]; then exit 0; fi

if [ "$(id -u)" = 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  say "no Chromium at $CHROMIUM: install Debian's package (apt-get install chromium) or set SEVA_CHROMIUM; the browser tests will skip."
  exit 0
fi

say "installing chromium with apt-get (the browser tests drive it)"
export DEBIAN_FRONTEND=noninteractive
if ! "${SUDO[@]}" apt-get install -y -qq chromium >/dev/null; then
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq chromium >/dev/null
fi
