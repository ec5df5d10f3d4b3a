#!/usr/bin/env bash
# Everything the test suite needs: Python packages into .venv, and Debian's chromium,
# xmlsec1, redis-server, wrk and a Japanese font (browser, SAML, Redis fault tests, the
# benchmarks' smoke tests and article PDFs) when they are missing and we may install them.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
# PyTorch's CPU build first (the embeddings extra needs it; unpinned, pip may pick a
# several-GB CUDA build), then the project with its test, embeddings and server (gevent)
# extras
.venv/bin/python -c "import torch" 2>/dev/null || .venv/bin/pip install -q 'torch==2.13.0'
.venv/bin/pip install -q -e '.[test,embeddings,server]'
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v xmlsec1 >/dev/null 2>&1 || need+=(xmlsec1)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v wrk >/dev/null 2>&1 || need+=(wrk)  # else each smoke test would run apt-get
# WeasyPrint's Pango (article PDFs), DejaVu Sans (Latin, Arabic) and a Japanese font
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
fc-list :lang=ar 2>/dev/null | grep -q . || need+=(fonts-dejavu-core)
fc-list :lang=ja 2>/dev/null | grep -q . || need+=(fonts-ipafont-gothic)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "note: ${need[*]} missing and not installable here; those tests will skip" >&2
  fi
fi
# axe-core for the accessibility checks of the browser tests (node_modules/, git-ignored)
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null 2>&1; then
    npm install --prefix . --no-save --no-package-lock --silent axe-core@4 >/dev/null
  else
    echo "note: npm missing; the axe checks of the browser tests will skip" >&2
  fi
fi
