# Sourced by ./mailwarden, ./run-tests and bench scripts: finds a JDK 25 (JAVA_HOME, then /usr/lib/jvm, then PATH)
# and Maven, exporting JAVA_HOME. Fails with a clear message when there is none.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
mw_find_jdk() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25* /usr/lib/jvm/*25*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    local v; v=$(java_major "$c")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  if command -v javac >/dev/null; then
    c=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    local v; v=$(java_major "$c")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then echo "$c"; return 0; fi
  fi
  return 1
}
if ! JAVA_HOME=$(mw_find_jdk); then
  echo "mailwarden: no JDK 25 found. Mailwarden needs Java 25: install Temurin 25 (/usr/lib/jvm/temurin-25-jdk-amd64)" >&2
  echo "  or set JAVA_HOME to a JDK 25. (The default 'java' on this machine may be older.)" >&2
  exit 3
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
# The server's JVM options: G1 with a bounded heap that is handed back to the OS when idle, so a mail server on
# a small box stays small (ZGC without a cap grew to ~5 GB with 10,000 IDLE sessions). G1 shrinks the heap only
# at a collection, and an idle server has none: G1PeriodicGCInterval (JEP 346) runs one after 30 s without any,
# which hands the free heap back. --enable-native-access: org.mailwarden.unix calls glibc (setuid, to drop root
# after binding the ports) through java.lang.foreign, which otherwise warns. Override as a whole.
export MAILWARDEN_JAVA_OPTS="${MAILWARDEN_JAVA_OPTS:--XX:+UseG1GC -Xmx512m -XX:MaxHeapFreeRatio=20 -XX:MinHeapFreeRatio=5 -XX:G1PeriodicGCInterval=30000 --enable-native-access=ALL-UNNAMED}"
# Maven itself warns about sun.misc.Unsafe under JDK 25; silence the noise, not our warnings.
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
if ! command -v mvn >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "mailwarden: installing Maven (apt-get install maven)..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null) >&2
  else
    echo "mailwarden: Maven (mvn) is needed to build: install it (e.g. apt-get install maven)" >&2
    exit 3
  fi
fi
