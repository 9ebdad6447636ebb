#!/usr/bin/env bash
# IMAP IDLE memory benchmark: holds many logged-in, SELECTed, IDLEing connections to Mailwarden (implicit TLS)
# and reports the server's resident memory (VmRSS from /proc/<pid>/status) against the 512 MiB target; then
# delivers one message over SMTP and checks that the IDLE clients of that mailbox see it (* n EXISTS).
#
# Accounts user1..userA@example.test ({PLAIN} password, to keep 10,000 logins cheap), each with a small INBOX;
# connection i logs in as user(1 + i mod A). Clients spread over several loopback source addresses.
# The bench config lifts limits.max-connections (per listener) and the per-IP limits (loopback is in
# ban.ignore and exempt from them anyway).
#
# Needs root only to raise the file descriptor limit (ulimit -n). Loopback only.
# usage: bench/imap-idle.sh [CONNECTIONS=10000] [ACCOUNTS=500] [MESSAGES_PER_INBOX=20]
#   env: MW_JAVA_OPTS (default $MAILWARDEN_JAVA_OPTS, as ./mailwarden), SETTLE_S (default 15), AFTER_S (default
#        90: how long resident memory is watched once the clients have left),
#        HISTOGRAM=1 (print the server's live objects by class while the connections are open)
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
conns=${1:-10000} accounts=${2:-500} msgs=${3:-20}
settle=${SETTLE_S:-15}

"$here/mailwarden" version >/dev/null            # builds if needed
source "$here/scripts/java-env.sh"
opts=${MW_JAVA_OPTS:-$MAILWARDEN_JAVA_OPTS}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge $((conns + 1000)) ] || { echo "ulimit -n is $(ulimit -n): too low for $conns connections" >&2; exit 2; }

data=$(mktemp -d /tmp/mailwarden-idle-bench.XXXXXX)
chmod 755 "$data" # the server, started as root, runs as the mail user (5000), which must get in
mw=""
cleanup() {
  [ -n "$mw" ] && { kill "$mw" 2>/dev/null || true; wait "$mw" 2>/dev/null || true; }
  rm -rf "$data"
}
trap cleanup EXIT

mkdir -p "$data/config" "$data/mail/example.test"
"$JAVA_HOME/bin/java" "$here/bench/ImapLoad.java" seed "$data/template" "$msgs" 7
for i in $(seq "$accounts"); do
  echo "user$i@example.test|{PLAIN}password"
  cp -a "$data/template" "$data/mail/example.test/user$i"
done > "$data/config/postfix-accounts.cf"
cat > "$data/config/mailwarden.conf" <<CONF
listen.address = 127.0.0.1
hostname = mx.example.test
limits.max-connections = $((conns + 1000))
limits.max-connections-per-ip = 0
limits.connection-rate = 0
# the checks of incoming mail have their own benchmark (bench/mailauth.sh); here they would ask the machine's DNS
mailauth.enabled = 0
CONF
smtp=12526 imaps=12994
# shellcheck disable=SC2086
MAILWARDEN_DATA="$data" "$JAVA_HOME/bin/java" $opts -jar "$here/target/mailwarden.jar" serve --no-demo \
  --data-dir "$data" --smtp-port $smtp --submission-port 0 --submissions-port 0 --imap-port 0 --imaps-port $imaps \
  > "$data/server.log" 2>&1 &
mw=$!
for _ in $(seq 300); do grep -q 'event=listening listener=imaps' "$data/server.log" && break; sleep 0.1; done
grep -q 'event=listening listener=imaps' "$data/server.log" || { cat "$data/server.log"; exit 1; }
sleep 2
echo "server: pid $mw, JVM options: $opts"
sources=$(seq -s, -f '127.0.0.%g' 1 4)
"$JAVA_HOME/bin/java" -Xmx2g "$here/bench/ImapLoad.java" idle --port $imaps --tls implicit --clients "$conns" \
  --accounts "$accounts" --sources "$sources" --pid "$mw" --smtp-port $smtp --settle "$settle" --rcpt user1@example.test ${HISTOGRAM:+--histogram}
echo "server heap (jcmd GC.heap_info):"
"$JAVA_HOME/bin/jcmd" "$mw" GC.heap_info 2>/dev/null | sed 's/^/  /' | head -12 || true
# the connections are closed now: an idle server hands its heap back (G1's periodic collection, 30 s by default)
after=${AFTER_S:-90}
rss() { awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$mw/status"; }
line="idle: server VmRSS after the clients left: 0 s $(rss) MiB"
for t in $(seq 30 30 "$after"); do sleep 30; line="$line, $t s $(rss) MiB"; done
echo "$line"
echo "server heap after that:"
"$JAVA_HOME/bin/jcmd" "$mw" GC.heap_info 2>/dev/null | sed 's/^/  /' | sed -n 2,3p || true
[ -n "${NMT:-}" ] && "$JAVA_HOME/bin/jcmd" "$mw" VM.native_memory summary 2>/dev/null | grep -E 'committed' | head -25
errors=$(grep -c 'ERROR\|Exception' "$data/server.log" || true)
echo "server log: $errors error lines; machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
