#!/usr/bin/env bash
# Installs what the server itself reads from Debian packages: the Public Suffix List (package publicsuffix), for
# DMARC's organizational domains. Without root or apt it only says what is missing; the server then refuses to start
# with DMARC on, naming the setting (mailauth.public-suffix-list) and the fix.
set -euo pipefail
[ -f /usr/share/publicsuffix/public_suffix_list.dat ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing the Public Suffix List (Debian package publicsuffix)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq publicsuffix >/dev/null 2>&1 \
    || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq publicsuffix >/dev/null; }
else
  echo "mailwarden: /usr/share/publicsuffix/public_suffix_list.dat is missing (sudo apt-get install publicsuffix)" >&2
fi
