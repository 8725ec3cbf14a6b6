# shellcheck shell=bash
# Shared by the scripts in scripts/ (sourced, not run): repository root, the cargo target
# dir, and timed steps with a heading each. Sourcing it cds to the repository root.

AIOPS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$AIOPS_ROOT" || exit 1

# One target dir for the whole workspace, outside the clone (debug Tauri builds are
# large); an already-set CARGO_TARGET_DIR wins.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aiops/target}"

# step TITLE CMD [ARGS...]: print a heading, run CMD, print its elapsed seconds; on failure
# say which step failed and exit with its status. CMD runs with errexit suspended (it is
# the left side of `||`), so multi-command steps must check each command themselves.
step() {
    local title=$1 start status=0
    shift
    printf '\n==> %s\n' "$title"
    start=$(date +%s.%N)
    "$@" || status=$?
    local took
    took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    if ((status != 0)); then
        printf '==> FAILED: %s (exit %d after %ss)\n' "$title" "$status" "$took" >&2
        exit "$status"
    fi
    printf '==> done: %s (%ss)\n' "$title" "$took"
}
