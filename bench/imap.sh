#!/usr/bin/env bash
# IMAP mixed-load benchmark, side by side in one run: Mailwarden vs Dovecot (Debian packages, configured by
# ../shared/peer/start.sh the way docker-mailserver does), on the SAME seeded mailbox for user1@example.test.
#
# Each run: N concurrent connections (virtual threads in bench/ImapLoad.java), each LOGIN + SELECT INBOX, then a
# mix of FETCH (flags of a 100-message range, flags of 1:*, header fields, whole body), UID STORE +/-\Seen,
# APPEND + UID STORE \Deleted + UID EXPUNGE, SEARCH (UNSEEN, FROM, SUBJECT), NOOP, re-SELECT, for a fixed time,
# after a warm-up. Prints commands per second, p50/p99 latency for each server and the ratio Mailwarden/Dovecot.
#
# TLS asymmetry: Mailwarden refuses LOGIN without TLS, so its clients use implicit TLS (993-style port);
# the peer's Dovecot is configured with ssl = no, so its clients run in plain text. Connections are long-lived
# (one handshake per client), but every byte Mailwarden sends is encrypted: this favours Dovecot.
#
# Needs root (the peer installs and starts Postfix + Dovecot on loopback). Loopback only.
# usage: bench/imap.sh [MESSAGES=10000] [CLIENTS=20] [DURATION_S=20] [ROUNDS=2]
#   env: MW_JAVA_OPTS (default $MAILWARDEN_JAVA_OPTS, as ./mailwarden), WARMUP_S (default 15: JIT and header cache),
#        BENCH_USER (user1), DETAIL=1 (per-command breakdown), MIX (weights, e.g. a read-only mix:
#        MIX=FETCH_FLAGS_RANGE=12,FETCH_HEADER=20,FETCH_BODY=15,SEARCH_UNSEEN=4,NOOP=10; default in ImapLoad.java;
#        MIX=SEARCH: header searches only, with TEXT and BODY for reference), FIRST (after the rounds, the first
#        search of each listed kind after a restart of both servers, e.g. FIRST="SEARCH_FROM SEARCH_TEXT"),
#        DROP_CACHES=1 (with FIRST: the kernel's page cache emptied before each first search)
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
peer="${PEER_DIR:-$here/../shared/peer}"
messages=${1:-10000} clients=${2:-20} duration=${3:-20} rounds=${4:-2}
warmup=${WARMUP_S:-15}
user=${BENCH_USER:-user1}
[ "$(id -u)" = 0 ] || { echo "bench/imap.sh needs root (it starts Postfix and Dovecot on loopback)" >&2; exit 2; }
[ -f "$peer/start.sh" ] || { echo "peer scripts not found in $peer (set PEER_DIR)" >&2; exit 2; }

"$here/mailwarden" version >/dev/null            # builds if needed
source "$here/scripts/java-env.sh"
load() { "$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xmx512m "$here/bench/ImapLoad.java" "$@"; }

bash "$peer/start.sh"
data=$(mktemp -d /tmp/mailwarden-imap-bench.XXXXXX)
chmod 755 "$data" # the server, started as root, runs as the mail user (5000), which must get in
mw=""
cleanup() {
  [ -n "$mw" ] && { kill "$mw" 2>/dev/null || true; wait "$mw" 2>/dev/null || true; }
  bash "$peer/stop.sh" >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT

# ---- the same mailbox for both ------------------------------------------------------------------------
echo "seeding $messages messages..."
load seed "$data/seed" "$messages" 42
dove="/var/mail/example.test/$user"
rm -rf "$dove"
mkdir -p "$(dirname "$dove")"
cp -a "$data/seed" "$dove"
chown -R vmail:vmail "/var/mail/example.test"
mkdir -p "$data/mw/mail/example.test" "$data/mw/config"
cp -a "$data/seed" "$data/mw/mail/example.test/$user"
rm -rf "$data/seed"

# same password scheme as the peer (SHA512-CRYPT, as docker-mailserver writes it)
hash=$(doveadm pw -s SHA512-CRYPT -p password)
printf '%s@example.test|%s\n' "$user" "$hash" > "$data/mw/config/postfix-accounts.cf"
cat > "$data/mw/config/mailwarden.conf" <<'CONF'
listen.address = 127.0.0.1
hostname = mx.example.test
limits.max-connections-per-ip = 0
limits.connection-rate = 0
# the checks of incoming mail have their own benchmark (bench/mailauth.sh); here they would ask the machine's DNS
mailauth.enabled = 0
CONF
imaps=12993
start_mw() {
  # shellcheck disable=SC2086
  MAILWARDEN_DATA="$data/mw" "$JAVA_HOME/bin/java" ${MW_JAVA_OPTS:-$MAILWARDEN_JAVA_OPTS} -jar "$here/target/mailwarden.jar" serve \
    --no-demo --data-dir "$data/mw" --smtp-port 0 --submission-port 0 --submissions-port 0 --imap-port 0 \
    --imaps-port $imaps > "$data/server.log" 2>&1 &
  mw=$!
  for _ in $(seq 300); do grep -q 'event=listening listener=imaps' "$data/server.log" && break; sleep 0.1; done
  grep -q 'event=listening listener=imaps' "$data/server.log" || { cat "$data/server.log"; exit 1; }
}
start_mw

# Dovecot allows 10 connections per user and client IP (mail_max_userip_connections): 8 clients per source address
sources=$(seq -s, -f '127.0.0.%g' 1 $(( (clients + 7) / 8 )))
dov=(--port 143 --tls none --user "$user@example.test" --label dovecot --sources "$sources" ${MIX:+--mix "$MIX"})
mwa=(--port $imaps --tls implicit --user "$user@example.test" --label mailwarden --sources "$sources" ${MIX:+--mix "$MIX"})
echo "indexing (first SELECT)..."
load load "${dov[@]}" --clients 1 --duration 0 >/dev/null
load load "${mwa[@]}" --clients 1 --duration 0 >/dev/null
echo "warm-up (${warmup}s each, not counted)..."
load load "${dov[@]}" --clients "$clients" --duration "$warmup" >/dev/null
load load "${mwa[@]}" --clients "$clients" --duration "$warmup" >/dev/null

rate() { sed -n 's/.*cmds_per_s=\([0-9]*\).*/\1/p'; }
sum_d=0 sum_m=0
detail=${DETAIL:+--detail}
for round in $(seq "$rounds"); do
  echo "round $round: load average $(cut -d' ' -f1-3 /proc/loadavg)"
  d=$(load load "${dov[@]}" --clients "$clients" --duration "$duration" --seed "$round" $detail)
  m=$(load load "${mwa[@]}" --clients "$clients" --duration "$duration" --seed "$round" $detail)
  echo "$d"
  echo "$m"
  sum_d=$((sum_d + $(echo "$d" | head -1 | rate)))
  sum_m=$((sum_m + $(echo "$m" | head -1 | rate)))
done
echo
python3 -c "import sys; m,d=map(float,sys.argv[1:3]); print(f'IMAP mixed load, {sys.argv[3]} clients, {sys.argv[4]} messages: Mailwarden {m/int(sys.argv[5]):.0f} cmds/s (TLS) vs Dovecot {d/int(sys.argv[5]):.0f} cmds/s (plain text): ratio {m/d:.2f}x (target 1.5x)')" \
  "$sum_m" "$sum_d" "$clients" "$messages" "$rounds"
# FIRST="SEARCH_FROM SEARCH_SUBJECT ...": for each, both servers restarted (Dovecot keeps its index and cache
# files, Mailwarden its uidlist; DROP_CACHES=1 also empties the kernel's page cache), then LOGIN + SELECT and that
# one command, timed
for op in ${FIRST:-}; do
  kill "$mw"; wait "$mw" 2>/dev/null || true
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/143) 2>/dev/null || break; sleep 0.1; done
  dovecot </dev/null >/dev/null 2>&1
  start_mw
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/143) 2>/dev/null && break; sleep 0.1; done
  [ -n "${DROP_CACHES:-}" ] && { sync; echo 3 > /proc/sys/vm/drop_caches; }
  load once "${dov[@]}" --op "$op"
  [ -n "${DROP_CACHES:-}" ] && { sync; echo 3 > /proc/sys/vm/drop_caches; }
  load once "${mwa[@]}" --op "$op"
done
echo "(machine: $(nproc) cores, load average now $(cut -d' ' -f1-3 /proc/loadavg); the load generator runs on the same cores)"
