# The step runner of scripts/test: each step's outcome (ran / skipped and why / failed),
# its time and the number of tests it ran, and the summary table at the end.
# Source it: `. scripts/lib/steps.sh`.
#
# A step is a command. Exit 0: it ran. Exit 77: it skipped, and its last line starting with
# "SKIPPED" says why. Anything else: it failed. Under CI (CI=true) a skip is a failure
# unless the step is named in scripts/ci-skips-allowed (YX_SKIPS_ALLOWED).

YX_STEP_NAMES=()
declare -A YX_STEP_STATUS=() YX_STEP_WHY=() YX_STEP_TESTS=() YX_STEP_SECS=()
YX_LOG_DIR=${YX_LOG_DIR:-$(mktemp -d)}
YX_SKIPS_ALLOWED=${YX_SKIPS_ALLOWED:-}

yx_under_ci() { case "${CI:-}" in true | TRUE | True | 1 | yes) return 0 ;; *) return 1 ;; esac; }

yx_skip_allowed() { [[ " $YX_SKIPS_ALLOWED " == *" $1 "* ]]; }

# yx_allowed_skips FILE: the names in an allow-list file (first word of each line that is
# not blank or a comment), space-separated.
yx_allowed_skips() {
  local line names=()
  [ -f "$1" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}
    read -r line _ <<<"$line" || true
    [ -n "$line" ] && names+=("$line")
  done <"$1"
  echo "${names[*]}"
}

# yx_count_tests LOG: the tests a step ran, read from its output (cargo nextest, cargo test,
# node --test, schemathesis, scripts/test-checks); "-" when the step runs no tests.
yx_count_tests() {
  local log=$1 line
  line=$(grep -Eo '[0-9]+ tests? run: [0-9]+ passed[^]]*' "$log" | tail -n 1) || true
  if [ -n "$line" ]; then echo "${line%% tests*}: ${line#*run: }"; return; fi
  # cargo test: one "test result: ok. N passed; M failed" line per test binary.
  line=$(awk '/^test result: /{n++; p += $4; f += $6} END {if (n) print p + f ": " p " passed, " f " failed"}' "$log")
  if [ -n "$line" ]; then echo "$line"; return; fi
  # node --test (TAP): "# tests N", "# pass N", "# fail N".
  line=$(awk '/^# tests [0-9]/{t += $3} /^# pass [0-9]/{p += $3} /^# fail [0-9]/{f += $3}
    END {if (t) print t ": " p " passed, " f " failed"}' "$log")
  if [ -n "$line" ]; then echo "$line"; return; fi
  line=$(grep -Eo '[0-9]+ generated, [0-9]+ passed[^(]*' "$log" | tail -n 1) || true
  if [ -n "$line" ]; then echo "${line%% generated*} cases: ${line#*generated, }"; return; fi
  echo "-"
}

# yx_step NAME CMD [ARG...]: runs CMD as the step NAME, its output shown and kept.
yx_step() {
  local name=$1
  shift
  local log="$YX_LOG_DIR/$name.log" t0=$SECONDS rc
  printf '\n== %s\n' "$name"
  set +e
  (set -e; "$@") 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  YX_STEP_NAMES+=("$name")
  YX_STEP_SECS[$name]=$((SECONDS - t0))
  YX_STEP_TESTS[$name]=$(yx_count_tests "$log")
  case $rc in
    0) YX_STEP_STATUS[$name]=ran ;;
    77)
      YX_STEP_WHY[$name]=$(grep -E '^SKIPPED' "$log" | tail -n 1)
      [ -n "${YX_STEP_WHY[$name]}" ] || YX_STEP_WHY[$name]="(the step gave no reason)"
      if yx_under_ci && ! yx_skip_allowed "$name"; then
        YX_STEP_STATUS[$name]=failed
        YX_STEP_WHY[$name]="skipped under CI, not in scripts/ci-skips-allowed: ${YX_STEP_WHY[$name]}"
      else
        YX_STEP_STATUS[$name]=skipped
      fi
      ;;
    *) YX_STEP_STATUS[$name]=failed; YX_STEP_WHY[$name]="exit status $rc" ;;
  esac
}

# yx_failure_lines LOG: the lines of a failed step's log that say what failed (test names,
# panics, schemathesis' failures and their reproduction commands), at most 40; else its
# last 20 lines.
yx_failure_lines() {
  local lines
  lines=$(grep -E '^(FAIL|SIGSEGV|TIMEOUT|error(\[|:)|thread .* panicked|test .* FAILED|not ok |_{3,} |- (Server error|Undocumented|Response violates|API rejected|API accepted|Unsupported|Missing)|\[[0-9]+\] |    curl )' "$1" | head -n 40) || true
  if [ -n "$lines" ]; then echo "$lines"; else tail -n 20 "$1"; fi
}

# yx_summary: prints the table of every step; returns 1 when any step failed.
yx_summary() {
  local name failed=0
  printf '\n== summary%s\n' "$(yx_under_ci && echo ' (CI=true: a skip not allow-listed fails)')"
  printf '%-34s %-8s %6s  %-34s %s\n' step outcome seconds tests note
  for name in "${YX_STEP_NAMES[@]}"; do
    printf '%-34s %-8s %6s  %-34s %s\n' "$name" "${YX_STEP_STATUS[$name]}" \
      "${YX_STEP_SECS[$name]}" "${YX_STEP_TESTS[$name]}" "${YX_STEP_WHY[$name]:-}"
    [ "${YX_STEP_STATUS[$name]}" != failed ] || failed=1
  done
  if [ "$failed" = 1 ]; then
    # The end of the output is often all a reader of a CI run gets: each failed step's
    # failure lines (or its last lines) go here, under the table.
    for name in "${YX_STEP_NAMES[@]}"; do
      [ "${YX_STEP_STATUS[$name]}" = failed ] || continue
      printf '\n== what failed in %s\n' "$name"
      yx_failure_lines "$YX_LOG_DIR/$name.log"
    done
    echo "FAILED: see the steps marked failed above"
    return 1
  fi
  echo "all steps passed"
}
