#!/usr/bin/env bash
# Render a Plenum report.html to a PNG in headless Chromium, as a reader would see it.
#
#   scripts/report-screenshot.sh out/iss-prk-leak/report.html docs/images/report.png [WIDTH] [HEIGHT]
#
# WIDTH defaults to 1200 px; HEIGHT to 4000 px (the page is cut there; the report's top
# sections and first plots fit). Installs Debian's `chromium` package with apt-get when no
# Chromium is on PATH (needs root, or sudo). The page is opened from the file with the
# network switched off, so a report that needs anything from outside shows it.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 REPORT_HTML OUT_PNG [WIDTH] [HEIGHT]" >&2
    exit 2
fi
html=$1
png=$2
width=${3:-1200}
height=${4:-4000}
if [ ! -f "$html" ]; then
    echo "$html: no such file (run plenum run or plenum sweep first)" >&2
    exit 2
fi
browser=""
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then
        browser=$b
        break
    fi
done
if [ -z "$browser" ]; then
    echo "no Chromium on PATH: installing Debian's chromium package" >&2
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
    browser=chromium
fi
abs_html=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
mkdir -p "$(dirname "$png")"
abs_png=$(cd "$(dirname "$png")" && pwd)/$(basename "$png")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# --proxy-server to a closed port: any request to the network fails instead of loading.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$profile" --no-first-run --no-default-browser-check \
    --proxy-server="http://127.0.0.1:9" --proxy-bypass-list="<-loopback>" \
    --window-size="$width,$height" --screenshot="$abs_png" "file://$abs_html" 2>/dev/null
echo "wrote $png ($width x $height px)"
