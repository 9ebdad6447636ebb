#!/usr/bin/env bash
# SMTP durable-delivery benchmark, side by side in one run:
#   Mailwarden (one process: SMTP -> fsynced Maildir)  vs  Postfix + Dovecot LMTP (docker-mailserver's path)
# using Postfix's smtp-source through ../shared/peer/bench-smtp.sh. Prints each rate and the ratios.
# Needs root (the peer installs Debian's postfix + dovecot and binds port 25). Loopback only.
# usage: bench/smtp.sh [MESSAGES_1K=5000] [MESSAGES_100K=1000] [SESSIONS=20]
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
peer="${PEER_DIR:-$here/../shared/peer}"
n1k=${1:-5000} n100k=${2:-1000} sessions=${3:-20} warm=${WARMUP_MESSAGES:-1000}
[ "$(id -u)" = 0 ] || { echo "bench/smtp.sh needs root (it starts Postfix and Dovecot on loopback)" >&2; exit 2; }
[ -x "$peer/start.sh" ] || [ -f "$peer/start.sh" ] || { echo "peer scripts not found in $peer (set PEER_DIR)" >&2; exit 2; }

"$here/mailwarden" version >/dev/null            # builds if needed
source "$here/scripts/java-env.sh"

bash "$peer/start.sh"
# both servers start from an empty mailbox: a peer Maildir left full by another benchmark (and its Dovecot
# indexes) slows LMTP delivery and would flatter the ratio
rm -rf /var/mail/example.test/user1
data=$(mktemp -d /tmp/mailwarden-bench.XXXXXX)
chmod 755 "$data" # the server, started as root, runs as the mail user (5000), which must get in
mkdir -p "$data/config"
# the checks of incoming mail are off, as the peer runs none; bench/mailauth.sh measures what they cost
printf 'listen.address = 127.0.0.1\nhostname = mx.example.test\nmailauth.enabled = 0\n' > "$data/config/mailwarden.conf"
printf 'user1@example.test|{PLAIN}password\n' > "$data/config/postfix-accounts.cf"
port=2625
MAILWARDEN_DATA="$data" "$JAVA_HOME/bin/java" $MAILWARDEN_JAVA_OPTS -jar "$here/target/mailwarden.jar" serve --no-demo \
  --data-dir "$data" --smtp-port $port --submission-port 0 --submissions-port 0 --imap-port 0 --imaps-port 0 \
  > "$data/server.log" 2>&1 &
mw=$!
cleanup() { kill "$mw" 2>/dev/null || true; wait "$mw" 2>/dev/null || true; bash "$peer/stop.sh" >/dev/null; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 300); do grep -q 'event=listening listener=smtp' "$data/server.log" && break; sleep 0.1; done
grep -q 'event=listening listener=smtp' "$data/server.log" || { cat "$data/server.log"; exit 1; }

rate() { sed -n 's/.*delivered_msgs_per_s=\([0-9]*\).*/\1/p'; }
arate() { sed -n 's/.*accept_msgs_per_s=\([0-9]*\).*/\1/p'; }
declare -A result
for spec in "1024 $n1k" "102400 $n100k"; do
  set -- $spec; size=$1 n=$2
  # warm-up for both, not counted: the JVM needs a few thousand SMTP transactions before its JIT has compiled
  # the hot paths (a long-running server runs compiled code); Postfix and Dovecot are native and lose nothing
  bash "$peer/bench-smtp.sh" 127.0.0.1:25 user1@example.test /var/mail/example.test/user1 "$warm" "$size" "$sessions" >/dev/null
  bash "$peer/bench-smtp.sh" 127.0.0.1:$port user1@example.test "$data/mail/example.test/user1" "$warm" "$size" "$sessions" >/dev/null
  p=$(bash "$peer/bench-smtp.sh" 127.0.0.1:25 user1@example.test /var/mail/example.test/user1 "$n" "$size" "$sessions")
  m=$(bash "$peer/bench-smtp.sh" 127.0.0.1:$port user1@example.test "$data/mail/example.test/user1" "$n" "$size" "$sessions")
  echo "postfix+dovecot: $p"
  echo "mailwarden:      $m"
  result[$size]="$(echo "$m" | rate) $(echo "$p" | rate) $(echo "$m" | arate) $(echo "$p" | arate)"
done
echo
echo "ratio of delivered messages per second, Mailwarden / Postfix+Dovecot (${sessions} sessions):"
for size in 1024 102400; do
  set -- ${result[$size]}
  python3 -c "import sys; m,p,ma,pa=map(float,sys.argv[1:5]); print(f'  {int(sys.argv[5])//1024:>4} KiB: delivered {m/p:.2f}x ({m:.0f} vs {p:.0f} msg/s), accepted {ma/pa:.2f}x ({ma:.0f} vs {pa:.0f} msg/s)')" "$1" "$2" "$3" "$4" "$size"
done
