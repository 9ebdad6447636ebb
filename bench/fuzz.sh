#!/usr/bin/env bash
# Fuzzes the parsers with Jazzer (coverage-guided, libFuzzer inside the JVM): each target in
# src/test/java/org/mailwarden/fuzz for FUZZ_SECONDS (default 60), one after the other, then a summary line per
# target: executions, exec/s, coverage (libFuzzer's edges "cov" and features "ft"), corpus size and findings.
#
#   bench/fuzz.sh                  # every target
#   FUZZ_SECONDS=300 bench/fuzz.sh imap mime
#
# Targets: smtp imap mime address proxy postfix conf. The corpus grows in target/fuzz/corpus/<target>/ (kept
# between runs, never committed; the committed seeds are in src/test/resources/org/mailwarden/fuzz/*Inputs/).
# Findings (crash-*, timeout-*, oom-* files with the input) go to target/fuzz/findings/<target>/, the full
# output to target/fuzz/logs/<target>.log. Reproduce one: copy its file into the target's seed folder and run
# `mvn test -Dtest=<Class>` (regression mode), or better write a plain test that feeds it (FuzzFindingsTest).
# Not for CI: ./run-tests runs the same targets over their seeds only, in a few seconds.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
if [ "${CI:-}" = true ]; then
  echo "bench/fuzz.sh: not run in CI (the fuzz targets run over their seeds in ./run-tests)" >&2
  exit 0
fi
source "$here/scripts/java-env.sh"
cd "$here"

seconds="${FUZZ_SECONDS:-60}"
case "$seconds" in ''|*[!0-9]*|0) echo "bench/fuzz.sh: FUZZ_SECONDS must be a positive number of seconds" >&2; exit 2 ;; esac

# name -> test class#method and the longest input (the target ignores longer ones)
declare -A test max_len
test[smtp]=SmtpCommandFuzzTest#commandLine;   max_len[smtp]=8192
test[imap]=ImapParserFuzzTest#commands;       max_len[imap]=65536
test[mime]=MimeTreeFuzzTest#message;          max_len[mime]=65536
test[address]=AddressFuzzTest#header;         max_len[address]=16384
test[proxy]=ProxyProtocolFuzzTest#header;     max_len[proxy]=4096
test[postfix]=ConfigFuzzTest#postfixTables;   max_len[postfix]=16384
test[conf]=ConfigFuzzTest#mailwardenConf;     max_len[conf]=16384
all=(smtp imap mime address proxy postfix conf)
# Jazzer's bug detectors stay on, except where the target's input is meant to be what a detector looks for:
# postfix-regexp.cf lines are regular expressions, compiled on purpose (a bad one is a ConfigProblem).
declare -A extra
extra[postfix]=-Djazzer.disabled_hooks=com.code_intelligence.jazzer.sanitizers.RegexInjection

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  [ -n "${test[$t]:-}" ] || { echo "bench/fuzz.sh: unknown target '$t' (targets: ${all[*]})" >&2; exit 2; }
done

# libFuzzer's files with an input that failed (crash-, timeout-, oom-, slow-unit-<sha1>)
artifacts() { find "$1" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \); }

out="$here/target/fuzz"
mkdir -p "$out/logs"
mvn -B -ntp -q test-compile
summary=()
for t in "${targets[@]}"; do
  corpus="$out/corpus/$t" findings="$out/findings/$t" log="$out/logs/$t.log"
  mkdir -p "$corpus" "$findings"
  before=$(artifacts "$findings" | wc -l)
  echo "== $t (${test[$t]}): ${seconds}s, inputs up to ${max_len[$t]} bytes" >&2
  # jazzer.hooks=true undoes junit-platform.properties (regression runs go without the agent); the
  # jazzer.internal.arg.N are libFuzzer's arguments: argv[0], the corpus directory it writes to, then flags.
  # -Xmx bounds the heap so that an input that makes a parser allocate without bound is an OutOfMemoryError
  # finding rather than a machine that swaps.
  set +e
  JAZZER_FUZZ=1 JDK_JAVA_OPTIONS="-Xmx2g" mvn -B -ntp test -Dsurefire.failIfNoSpecifiedTests=false \
    -Dtest="${test[$t]}" -Djazzer.hooks=true -Djazzer.keep_going=10 -Djazzer.max_duration="${seconds}s" \
    -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1="$corpus" \
    -Djazzer.internal.arg.2=-artifact_prefix="$findings/" -Djazzer.internal.arg.3=-max_len="${max_len[$t]}" \
    -Djazzer.internal.arg.4=-timeout=10 -Djazzer.internal.arg.5=-print_final_stats=1 \
    -Djazzer.reproducer_path="$findings" ${extra[$t]:-} >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  status=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  [ -n "$execs" ] || execs=$(sed -E -n 's/^#([0-9]+).*/\1/p' <<<"$status")
  [ -n "$rate" ] || rate=$(sed -E -n 's/.*exec\/s: ([0-9]+).*/\1/p' <<<"$status")
  cov=$(sed -E -n 's/.* cov: ([0-9]+).*/\1/p' <<<"$status")
  ft=$(sed -E -n 's/.* ft: ([0-9]+).*/\1/p' <<<"$status")
  corp=$(sed -E -n 's/.* corp: ([0-9]+\/[0-9a-zA-Z]+).*/\1/p' <<<"$status")
  new=$(( $(artifacts "$findings" | wc -l) - before ))
  line=$(printf '%-8s execs=%s exec/s=%s cov=%s ft=%s corpus=%s new-findings=%s' "$t" "${execs:-?}" \
    "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$new")
  if [ "$rc" -ne 0 ] && [ "$new" -eq 0 ]; then
    line="$line (mvn exit $rc: see $log)"
  fi
  summary+=("$line")
  echo "$line" >&2
  # each finding: its exception (or libFuzzer's timeout) and the first frames in Mailwarden's code
  awk '/^== Java Exception:|ERROR: libFuzzer: (timeout|deadly signal|out-of-memory)/ { print; n = 4; next }
       n > 0 && /^\tat org\.mailwarden\./ { print; n-- }' "$log" | head -60 >&2
done

echo
echo "fuzz summary (${seconds}s per target; findings in $out/findings/<target>/)"
printf '%s\n' "${summary[@]}"
artifacts "$out/findings" | sed "s|^$out/findings/|  |" | sort
