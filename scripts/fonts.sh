#!/usr/bin/env bash
# Hindi in the report's PDF needs a font that draws Devanagari (tickets/reports/render_pdf.py looks
# for Debian's fonts-noto-core): install the package when it is missing. Without it the PDF prints
# English names only and the Hindi PDF test fails where SEVA_REQUIRE_FONTS=1 (CI) says a run must
# have it.
set -euo pipefail

FONT=/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf

say() { printf '\033[1m[fonts]\033[0m %s\n' "$*"; }

if [ -f "$FONT" ]; then exit 0; fi

if [ "$(id -u)" = 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  say "no Devanagari font at $FONT: install Debian's package (apt-get install fonts-noto-core); Hindi PDFs will print English names only."
  exit 0
fi

say "installing fonts-noto-core with apt-get (Hindi in the report's PDF)"
export DEBIAN_FRONTEND=noninteractive
if ! "${SUDO[@]}" apt-get install -y -qq fonts-noto-core >/dev/null; then
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq fonts-noto-core >/dev/null
fi
