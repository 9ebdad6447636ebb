#!/usr/bin/env bash
# What checking incoming mail costs: the SMTP durable-delivery rate of Mailwarden with every check on (iprev, SPF for
# MAIL FROM and HELO, DKIM, ARC, DMARC) against the same server with them off, in one run, as a ratio (target: the
# checks cost less than 20 %). The sending domain's records (SPF, DMARC p=reject, a 2048-bit RSA DKIM key, PTR)
# are served by Debian's dnsmasq on loopback with no upstream; the messages are DKIM-signed by Debian's dkimpy and
# sent by Postfix's smtp-source (-F), so every message is really verified. Needs root (apt-get, and the server drops
# to the mail user). Loopback only.
# usage: bench/mailauth.sh [MESSAGES=5000] [SESSIONS=20] [SIZE=1024]; ON_SETTINGS adds settings to the checking server
# (which check costs what: ON_SETTINGS='mailauth.dkim = 0\nmailauth.arc = 0\n')
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
n=${1:-5000} sessions=${2:-20} size=${3:-1024} warm=${WARMUP_MESSAGES:-1000}
[ "$(id -u)" = 0 ] || { echo "bench/mailauth.sh needs root" >&2; exit 2; }
missing=()
command -v dnsmasq >/dev/null || missing+=(dnsmasq-base)
command -v smtp-source >/dev/null || missing+=(postfix)
/usr/bin/python3 -c 'import dkim' 2>/dev/null || missing+=(python3-dkim)
[ ${#missing[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
"$here/mailwarden" version >/dev/null            # builds if needed
source "$here/scripts/java-env.sh"

work=$(mktemp -d /tmp/mailwarden-mailauth.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# the sending domain's key and a signed message of about $size bytes
openssl genrsa -out "$work/dkim.key" 2048 2>/dev/null
pub=$(openssl rsa -in "$work/dkim.key" -pubout 2>/dev/null | grep -v '^-----' | tr -d '\n')
/usr/bin/python3 - "$work/dkim.key" "$size" > "$work/message.eml" <<'PY'
import sys, dkim
key = open(sys.argv[1], 'rb').read()
size = int(sys.argv[2])
body = b''.join(b'line %05d of the benchmark message, padded to look like text\r\n' % i for i in range(size // 60 + 1))
msg = (b'From: Sender <sender@remote.test>\r\nTo: <user1@example.test>\r\nSubject: mailauth benchmark\r\n'
       b'Date: Wed, 02 Dec 2026 10:00:00 +0000\r\nMessage-ID: <bench@remote.test>\r\n\r\n') + body
sig = dkim.sign(msg, b'sel', b'remote.test', key, include_headers=[b'from', b'to', b'subject', b'date', b'message-id'])
sys.stdout.buffer.write((sig + msg).replace(b'\r\n', b'\n'))
PY
dnsport=5354
dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll --bind-interfaces --listen-address=127.0.0.1 \
  --port=$dnsport --log-facility=- --cache-size=0 --local-ttl=300 \
  --txt-record=remote.test,"v=spf1 ip4:127.0.0.0/8 -all" \
  --txt-record=client.remote.test,"v=spf1 a -all" --address=/client.remote.test/127.0.0.1 \
  --txt-record=_dmarc.remote.test,"v=DMARC1; p=reject" \
  --txt-record=sel._domainkey.remote.test,"v=DKIM1; k=rsa; p=${pub:0:200}","${pub:200}" \
  --ptr-record=1.0.0.127.in-addr.arpa,localhost --address=/localhost/127.0.0.1 > "$work/dnsmasq.log" 2>&1 &
pids+=($!)

start() { # name port checks
  local d="$work/$1"
  mkdir -p "$d/config"
  chmod 755 "$d"
  # smtp-source sends from loopback, which mailauth.ignore-hosts leaves unchecked by default
  printf 'listen.address = 127.0.0.1\nhostname = mx.example.test\ndns.server = 127.0.0.1:%s\nmailauth.enabled = %s\nmailauth.ignore-hosts =\n' \
    "$dnsport" "$3" > "$d/config/mailwarden.conf"
  [ "$3" = 1 ] && printf '%b' "${ON_SETTINGS:-}" >> "$d/config/mailwarden.conf" # e.g. ON_SETTINGS='mailauth.arc = 0\n'

  printf 'user1@example.test|{PLAIN}password\n' > "$d/config/postfix-accounts.cf"
  MAILWARDEN_DATA="$d" "$JAVA_HOME/bin/java" $MAILWARDEN_JAVA_OPTS -jar "$here/target/mailwarden.jar" serve --no-demo \
    --data-dir "$d" --smtp-port "$2" --submission-port 0 --submissions-port 0 --imap-port 0 --imaps-port 0 \
    > "$d/server.log" 2>&1 &
  pids+=($!)
  echo $! > "$d/pid"
  for _ in $(seq 300); do grep -q 'event=listening listener=smtp' "$d/server.log" && break; sleep 0.1; done
  grep -q 'event=listening listener=smtp' "$d/server.log" || { cat "$d/server.log"; exit 1; }
}
start off 2725 0
start on 2726 1

cpu() { awk '{print $14 + $15}' "/proc/$(cat "$work/$1/pid")/stat"; } # user + system clock ticks of a server
run() { # name port messages -> delivered msg/s (and the server's CPU per message in $work/$1/cpu)
  local maildir="$work/$1/mail/example.test/user1" before t0 t1 c0
  count() { { find "$maildir/new" "$maildir/cur" -type f 2>/dev/null || true; } | wc -l; }
  before=$(count)
  c0=$(cpu "$1")
  t0=$(date +%s.%N)
  smtp-source -c -F "$work/message.eml" -m "$3" -s "$sessions" -M client.remote.test -f sender@remote.test \
    -t user1@example.test "127.0.0.1:$2" >/dev/null
  while [ $(( $(count) - before )) -lt "$3" ]; do sleep 0.05; done
  t1=$(date +%s.%N)
  python3 -c "import sys; print(f'{1000*(int(sys.argv[2])-int(sys.argv[1]))/int(sys.argv[3])/int(sys.argv[4]):.2f}')" \
    "$c0" "$(cpu "$1")" "$(getconf CLK_TCK)" "$3" > "$work/$1/cpu"
  python3 -c "import sys; print(f'{int(sys.argv[1])/(float(sys.argv[3])-float(sys.argv[2])):.0f}')" "$3" "$t0" "$t1"
}
run off 2725 "$warm" >/dev/null; run on 2726 "$warm" >/dev/null
off=$(run off 2725 "$n"); on=$(run on 2726 "$n")
grep -m1 'event=mailauth ' "$work/on/server.log" | sed 's/^/checks on, first message: /'
if [ -z "${ON_SETTINGS:-}" ] && ! grep -q 'event=mailauth .*spf=pass.*dkim=pass.*dmarc=pass' "$work/on/server.log"; then
  echo "the checks did not pass: the benchmark measured the wrong thing" >&2; exit 1
fi
echo "delivered msg/s, ${size} B signed messages, ${sessions} sessions: checks off $off, checks on $on"
echo "server CPU per message: checks off $(cat "$work/off/cpu") ms, checks on $(cat "$work/on/cpu") ms"
python3 -c "import sys; off,on=map(float,sys.argv[1:3]); print(f'ratio on/off: {on/off:.2f} (checks cost {100*(1-on/off):.0f} % of the delivered rate)')" "$off" "$on"
