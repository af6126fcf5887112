# Tool checks shared by scripts/test, .ci/run, crates/web/e2e/*.sh and bench/*/run.sh.
# Source it: `. scripts/lib/checks.sh`.
#
# Every check is correct under `set -o pipefail`. Never put an early-exiting reader on a
# pipe whose writer's status counts: in `fc-list | grep -qi X`, grep exits at the first
# match, fc-list dies of SIGPIPE on its next write, and under pipefail the pipeline
# reports failure although the font is there. Capture the writer's output first, then
# search it (a here-string has no writer process to kill). scripts/test-checks proves
# these functions on a machine where the tools are present and where they are absent.

# yx_has_cmd NAME: NAME is a command on PATH.
yx_has_cmd() { command -v "$1" >/dev/null 2>&1; }

# yx_output_has PATTERN CMD [ARG...]: CMD succeeds and its output contains PATTERN
# (case-insensitive, fixed string).
yx_output_has() {
  local pattern=$1 out
  shift
  out=$("$@" 2>/dev/null) || return 1
  grep -qiF -- "$pattern" <<<"$out"
}

# yx_has_font FAMILY: fontconfig knows a font whose description contains FAMILY.
yx_has_font() { yx_has_cmd fc-list && yx_output_has "$1" fc-list; }

# yx_missing_browser_tools: prints what the browser tests lack (Debian package or tool
# names, space-separated); prints nothing when all is there.
yx_missing_browser_tools() {
  local missing=()
  yx_has_cmd chromium || missing+=(chromium)
  yx_has_font "Noto Sans CJK" || missing+=(fonts-noto-cjk)
  yx_has_cmd node || missing+=(nodejs)
  echo "${missing[*]}"
}

# yx_skip WHAT WHY: says that WHAT did not run and exits 77, the status scripts/test
# records as "skipped" (and, under CI, as a failure unless allow-listed).
yx_skip() {
  echo "SKIPPED $1: $2" >&2
  exit 77
}
