#!/usr/bin/env bash
# Builds keypaird with clang (AddressSanitizer + UndefinedBehaviorSanitizer + libFuzzer
# coverage, -Wthread-safety -Werror over every source file) and runs each fuzz/ target for
# FUZZ_SECONDS (default 60), FUZZ_JOBS at a time (default: one per core). Fails on any crash,
# leak, timeout, out-of-memory or sanitizer report, and says where the reproducer is.
#   FUZZ_SECONDS=10 scripts/fuzz.sh                 # a quick run
#   FUZZ_TARGETS="url microversion" scripts/fuzz.sh # some targets only
# New inputs the fuzzers find go to $FUZZ_BUILD_DIR/corpus/, never into the committed seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${FUZZ_BUILD_DIR:-build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
parallel="${FUZZ_JOBS:-$(nproc)}"
targets="${FUZZ_TARGETS:-openssh_public_key x509_certificate create_body microversion url route accept}"

CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DKEYPAIRD_FUZZ=ON -DKEYPAIRD_TESTS=OFF -DKEYPAIRD_WERROR=ON >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

logs="$build_dir/fuzz-logs"
mkdir -p "$logs"
run_one() {
  local target="$1" work="$build_dir/corpus/$1" artifacts="$build_dir/artifacts/$1/"
  mkdir -p "$work" "$artifacts"
  local status=0
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: a leak or blow-up.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build_dir/${target}_fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts" "$work" "fuzz/corpus/$target" \
    >"$logs/$target.log" 2>&1 || status=$?
  echo "$status" >"$logs/$target.status"
}

for target in $targets; do
  while (($(jobs -rp | wc -l) >= parallel)); do wait -n || true; done
  run_one "$target" &
done
wait

failed=0
passed_count=0
failed_count=0
for target in $targets; do
  status="$(cat "$logs/$target.status")"
  runs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$logs/$target.log" | grep -o '[0-9]*$' || echo '?')"
  coverage="$(grep -o 'cov: [0-9]*' "$logs/$target.log" | tail -1 | grep -o '[0-9]*$' || echo '?')"
  if [ "$status" = 0 ]; then
    echo "fuzz $target: ok, $runs inputs in ${seconds} s, coverage $coverage edges"
    passed_count=$((passed_count + 1))
  else
    failed=1
    failed_count=$((failed_count + 1))
    echo "fuzz $target: FAILED (exit $status); reproducer in $build_dir/artifacts/$target/"
    tail -n 40 "$logs/$target.log"
  fi
done
echo "fuzz: $passed_count passed, $failed_count failed"
exit "$failed"
