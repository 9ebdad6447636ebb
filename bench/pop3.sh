#!/usr/bin/env bash
# POP3 benchmark, side by side in one run: Mailwarden vs Dovecot's POP3 (Debian's dovecot-pop3d, 2.3), each on its
# own copy of the SAME seeded mailboxes, one per client (user1..userN@example.test, password "password",
# SHA512-CRYPT as docker-mailserver writes it).
#
# Dovecot: a second instance of its own (base_dir /run/dovecot-pop3bench, ports 11110 and 11995 on loopback),
# configured as ../shared/peer/start.sh configures the peer's IMAP (passwd-file, static userdb, Maildir, login
# processes kept warm) with pop3 added, and TLS on 11995 with Mailwarden's own certificate: the peer itself
# (protocols = imap lmtp) is neither used nor touched. Nothing else is needed (no Postfix).
#
# Each client loops for a fixed time over a mail client's poll: connect, greeting, USER, PASS, UIDL, RETR of a few
# random messages, QUIT (bench/Pop3Load.java, virtual threads). New connection per session, so every session pays
# a TCP connect, a TLS handshake (TLS lines) and a SHA512-CRYPT check on both servers. Mailwarden refuses passwords
# in clear text, so it runs over implicit TLS only; Dovecot is measured both over TLS (the fair comparison) and in
# clear text (what the IMAP benchmarks compare against). After a warm-up of both (JIT, page cache, the \Seen
# renames of the first RETRs). Prints sessions/s and messages/s of each and the ratios, and each server's CPU time
# per session (its process tree's, read from /proc around each run, Dovecot's reaped pop3 processes included): on
# shared cores the rates depend on what else runs, the CPU a session costs much less so.
#
# Needs root (Dovecot drops to the vmail user). Loopback only.
# usage: bench/pop3.sh [MESSAGES=200] [CLIENTS=20] [DURATION_S=20] [ROUNDS=2]
#   env: RETR (messages fetched per session, 5), WARMUP_S (Dovecot's warm-up, 10), MW_WARMUP_S (Mailwarden's, 60),
#        MW_JAVA_OPTS (default $MAILWARDEN_JAVA_OPTS)
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
messages=${1:-200} clients=${2:-20} duration=${3:-20} rounds=${4:-2}
retr=${RETR:-5} warmup=${WARMUP_S:-10}
[ "$(id -u)" = 0 ] || { echo "bench/pop3.sh needs root (Dovecot runs as vmail)" >&2; exit 2; }
if [ ! -x /usr/lib/dovecot/pop3 ] || ! command -v doveadm >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-core dovecot-pop3d >/dev/null
fi
id vmail >/dev/null 2>&1 || useradd -r -u 5000 -d /var/mail -s /usr/sbin/nologin vmail

"$here/mailwarden" version >/dev/null            # builds if needed
source "$here/scripts/java-env.sh"
java_src() { "$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xmx512m "$@"; }

data=$(mktemp -d /tmp/mailwarden-pop3-bench.XXXXXX)
chmod 755 "$data"
base=/run/dovecot-pop3bench
mw=""
cleanup() {
  [ -n "$mw" ] && { kill "$mw" 2>/dev/null || true; wait "$mw" 2>/dev/null || true; }
  [ -f "$base/master.pid" ] && { kill "$(cat "$base/master.pid")" 2>/dev/null || true; }
  for _ in $(seq 50); do [ -f "$base/master.pid" ] || break; sleep 0.1; done
  [ -f "$base/master.pid" ] || rm -rf "$base"
  rm -rf "$data"
}
trap cleanup EXIT

# ---- the same mailboxes for both -----------------------------------------------------------------------
echo "seeding $clients mailboxes of $messages messages..."
java_src "$here/bench/ImapLoad.java" seed "$data/seed" "$messages" 42
hash=$(doveadm pw -s SHA512-CRYPT -p password)
mkdir -p "$data/mw/config" "$data/mw/mail/example.test" "$data/dove/example.test"
: > "$data/users"
: > "$data/mw/config/postfix-accounts.cf"
for i in $(seq "$clients"); do
  cp -a "$data/seed" "$data/mw/mail/example.test/user$i"
  cp -a "$data/seed" "$data/dove/example.test/user$i"
  echo "user$i@example.test:$hash" >> "$data/users"
  echo "user$i@example.test|$hash" >> "$data/mw/config/postfix-accounts.cf"
done
rm -rf "$data/seed"
chown -R vmail:vmail "$data/dove"

# ---- Mailwarden: POP3 over implicit TLS only ---------------------------------------------------------------
cat > "$data/mw/config/mailwarden.conf" <<'CONF'
listen.address = 127.0.0.1
hostname = mx.example.test
pop3.enabled = 1
limits.max-connections-per-ip = 0
limits.connection-rate = 0
# the checks of incoming mail have their own benchmark (bench/mailauth.sh); here they would ask the machine's DNS
mailauth.enabled = 0
CONF
pop3s=12995
# shellcheck disable=SC2086
MAILWARDEN_DATA="$data/mw" "$JAVA_HOME/bin/java" ${MW_JAVA_OPTS:-$MAILWARDEN_JAVA_OPTS} -jar "$here/target/mailwarden.jar" \
  serve --no-demo --data-dir "$data/mw" --smtp-port 0 --submission-port 0 --submissions-port 0 --imap-port 0 \
  --imaps-port 0 --pop3-port 0 --pop3s-port $pop3s > "$data/server.log" 2>&1 &
mw=$!
for _ in $(seq 300); do grep -q 'event=started' "$data/server.log" && break; sleep 0.1; done
grep -q 'event=started' "$data/server.log" || { cat "$data/server.log"; exit 1; }

# ---- Dovecot: a POP3 instance of its own, with Mailwarden's certificate on 11995 -------------------------
cat > "$data/dovecot.conf" <<CONF
instance_name = dovecot-pop3bench
base_dir = $base
protocols = pop3
listen = 127.0.0.1
mail_location = maildir:$data/dove/%d/%n
mail_uid = vmail
mail_gid = vmail
first_valid_uid = 5000
ssl = yes
ssl_cert = <$data/mw/tls/fullchain.pem
ssl_key = <$data/mw/tls/privkey.pem
ssl_dh = </usr/share/dovecot/dh.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = $data/dovecot.log
passdb {
  driver = passwd-file
  args = scheme=SHA512-CRYPT username_format=%u $data/users
}
userdb {
  driver = static
  args = uid=vmail gid=vmail home=$data/dove/%d/%n
}
service pop3-login {
  inet_listener pop3 {
    port = 11110
  }
  inet_listener pop3s {
    port = 11995
    ssl = yes
  }
  process_min_avail = 2
}
CONF
dovecot -c "$data/dovecot.conf" </dev/null >/dev/null 2>&1
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/11995) 2>/dev/null && break; sleep 0.1; done
(exec 3<>/dev/tcp/127.0.0.1/11995) 2>/dev/null || { cat "$data/dovecot.log"; exit 1; }

# one client JVM for every run (its own JIT warm-up is over before anything counts); Mailwarden's warm-up is the
# longer, its JIT compiles for a minute or so under this load (Dovecot, native, needs only the page cache)
java_src "$here/bench/Pop3Load.java" --clients "$clients" --retr "$retr" --duration "$duration" --rounds "$rounds" \
  --server "mailwarden-tls,$pop3s,implicit,$mw,${MW_WARMUP_S:-60}" \
  --server "dovecot-tls,11995,implicit,$(cat "$base/master.pid"),$warmup" \
  --server "dovecot-plain,11110,none,$(cat "$base/master.pid"),0"
echo "  (Mailwarden always over TLS; dovecot-plain is Dovecot without TLS, as the IMAP benchmark's peer runs)"
echo "(machine: $(nproc) cores, load average now $(cut -d' ' -f1-3 /proc/loadavg); the load generator runs on the same cores)"
