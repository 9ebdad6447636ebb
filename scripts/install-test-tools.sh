#!/usr/bin/env bash
# Installs the external clients the tests use, from Debian packages: swaks, python3, python3-dkim (dkimpy,
# the independent DKIM verifier; it brings python3-nacl for Ed25519 and python3-dnspython), python3-authres (which
# dkimpy's ARC signing and verification need, only suggested by python3-dkim), fetchmail (a POP3
# client), dovecot-pop3d (Dovecot's pop3 binary, run pre-authenticated on a copied Maildir to compare UIDLs) and
# dovecot-imapd (Dovecot's imap binary, which RunAsMailUserTest runs pre-authenticated as uid 5000 to read what
# Mailwarden delivered); no Dovecot daemon is configured or needed.
set -euo pipefail
missing=()
command -v swaks >/dev/null || missing+=(swaks)
command -v python3 >/dev/null || missing+=(python3)
/usr/bin/python3 -c 'import dkim, nacl, dns.message' 2>/dev/null || missing+=(python3-dkim)
/usr/bin/python3 -c 'import authres' 2>/dev/null || missing+=(python3-authres)
[ -x /usr/lib/dovecot/imap ] || missing+=(dovecot-imapd)
command -v fetchmail >/dev/null || missing+=(fetchmail)
[ -x /usr/lib/dovecot/pop3 ] || missing+=(dovecot-pop3d)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing test tools: ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "the tests need: ${missing[*]} (install with: sudo apt-get install ${missing[*]})" >&2
  exit 3
fi
