#!/usr/bin/env bash
# UID stress (issue #11): concurrent APPEND, FETCH and EXPUNGE sessions on one folder of one Mailwarden server for
# a while, every acknowledged APPENDUID and EXPUNGE journaled by the client (bench/ImapStress.java); then the
# folder is checked against the journal after a clean restart, and again after a kill -9 in the middle of a
# second run. Mailwarden alone (no peer): this measures correctness, not speed. Loopback only, no root needed.
# usage: bench/imap-stress.sh [SECONDS=60] [APPENDERS=6] [FETCHERS=2] [EXPUNGERS=2]
# Prints each phase's counts and "imap-stress: PASS" or "imap-stress: FAIL"; exit 1 on a failure.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
seconds=${1:-60} appenders=${2:-6} fetchers=${3:-2} expungers=${4:-2}
"$here/mailwarden" version >/dev/null            # builds if needed
source "$here/scripts/java-env.sh"
data=$(mktemp -d /tmp/mailwarden-imap-stress.XXXXXX)
chmod 755 "$data" # the server, started as root, runs as the mail user (5000), which must get in
mw=""
cleanup() {
  [ -n "$mw" ] && { kill -9 "$mw" 2>/dev/null || true; wait "$mw" 2>/dev/null || true; }
  [ -n "${KEEP:-}" ] && echo "kept $data" || rm -rf "$data"
}
trap cleanup EXIT
mkdir -p "$data/config"
printf 'stress@example.test|{PLAIN}stress-pw\n' > "$data/config/postfix-accounts.cf"
cat > "$data/config/mailwarden.conf" <<'CONF'
listen.address = 127.0.0.1
hostname = mx.example.test
limits.max-connections-per-ip = 0
limits.connection-rate = 0
dns.server = 127.0.0.1:9
# the checks of incoming mail have their own benchmark (bench/mailauth.sh); here they would ask the machine's DNS
mailauth.enabled = 0
CONF
port=$((20000 + RANDOM % 20000))
start_mw() {
  echo "=== start" >> "$data/server.log"
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" $MAILWARDEN_JAVA_OPTS -jar "$here/target/mailwarden.jar" serve --no-demo --data-dir "$data" \
    --smtp-port 0 --submission-port 0 --submissions-port 0 --imap-port 0 --imaps-port "$port" >> "$data/server.log" 2>&1 &
  mw=$!
  for _ in $(seq 600); do [ "$(grep -c "event=listening listener=imaps" "$data/server.log")" -ge "$(grep -c "^=== start" "$data/server.log")" ] && return; sleep 0.1; done
  cat "$data/server.log"; exit 1
}
stress() { "$JAVA_HOME/bin/java" "$here/bench/ImapStress.java" "$@" --port "$port" --user stress@example.test \
  --pass stress-pw --journal "$data/journal"; }
fail=0

echo "== phase 1: $seconds s of $appenders appenders, $fetchers fetchers, $expungers expungers; clean restart"
start_mw
stress run --seconds "$seconds" --appenders "$appenders" --fetchers "$fetchers" --expungers "$expungers" || fail=1
kill "$mw"; wait "$mw" || true; mw=""
start_mw
stress check || fail=1

echo "== phase 2: the same load, kill -9 after $((seconds / 2)) s; restart"
before=$(wc -l < "$data/journal")
stress run --seconds "$seconds" --appenders "$appenders" --fetchers "$fetchers" --expungers "$expungers" &
load=$!
# the kill comes half-way through the load: count from its first acknowledged APPEND, not from its JVM's start
for _ in $(seq 600); do [ "$(wc -l < "$data/journal")" -gt "$before" ] && break; sleep 0.1; done
sleep $((seconds / 2))
kill -9 "$mw"; wait "$mw" 2>/dev/null || true; mw=""
wait "$load" || fail=1
start_mw
stress check || fail=1
uidlist="$data/mail/example.test/stress/.Stress/dovecot-uidlist"
if ! awk 'NR > 1 { u = $1 + 0; if (u <= last) { print "uidlist: UID " u " after " last; bad = 1 } last = u;
                   n = substr($0, index($0, ":") + 1); if (seen[n]++) { print "uidlist: " n " twice"; bad = 1 } }
          END { exit bad }' "$uidlist"; then fail=1; fi
echo "uidlist: $(($(wc -l < "$uidlist") - 1)) records, ascending and unique: $([ $fail = 0 ] && echo yes || echo see above)"
if [ $fail = 0 ]; then echo "imap-stress: PASS"; else echo "imap-stress: FAIL"; exit 1; fi
