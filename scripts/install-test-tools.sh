#!/usr/bin/env bash
# Installs the external programs the tests use, from Debian packages:
#   swaks, python3                 SMTP clients (smtplib, imaplib, poplib come with python3)
#   python3-dkim                   dkimpy, the independent DKIM/ARC signer and verifier (brings python3-nacl for
#                                  Ed25519 and python3-dnspython)
#   python3-authres                what dkimpy's ARC signing and verification need (python3-dkim only suggests it)
#   python3-spf                    pyspf, the independent SPF checker SpfInteropTest compares with
#   fetchmail                      a POP3 client
#   dovecot-pop3d, dovecot-imapd   Dovecot's pop3 and imap binaries, run pre-authenticated on copied Maildirs (UIDLs
#                                  compared; RunAsMailUserTest reads as uid 5000 what Mailwarden delivered); no Dovecot
#                                  daemon is configured or needed
#   postsrsd                       docker-mailserver's SRS daemon, run by PostsrsdComparisonTest on loopback ports
#   publicsuffix                   the Public Suffix List the server reads for DMARC (the launcher installs it too)
#   nftables, iproute2             nft and ip: KernelBansNetnsTest runs the server in a network namespace of its own
#                                  and checks that banned clients' SYNs are dropped or refused (ban.kernel)
set -euo pipefail
missing=()
command -v swaks >/dev/null || missing+=(swaks)
command -v python3 >/dev/null || missing+=(python3)
/usr/bin/python3 -c 'import dkim, nacl, dns.message' 2>/dev/null || missing+=(python3-dkim)
/usr/bin/python3 -c 'import spf' 2>/dev/null || missing+=(python3-spf)
/usr/bin/python3 -c 'import authres' 2>/dev/null || missing+=(python3-authres)
[ -x /usr/lib/dovecot/imap ] || missing+=(dovecot-imapd)
command -v fetchmail >/dev/null || missing+=(fetchmail)
[ -x /usr/lib/dovecot/pop3 ] || missing+=(dovecot-pop3d)
[ -x /usr/sbin/postsrsd ] || missing+=(postsrsd)
[ -f /usr/share/publicsuffix/public_suffix_list.dat ] || missing+=(publicsuffix)
[ -x /usr/sbin/nft ] || missing+=(nftables)
command -v ip >/dev/null || missing+=(iproute2)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing test tools: ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "the tests need: ${missing[*]} (install with: sudo apt-get install ${missing[*]})" >&2
  exit 3
fi
