#!/usr/bin/env bash
# Benchmark (never a test) of the git verbs on a session's worktree, each through the
# CLI and the API (so a CLI start, one HTTP round trip and the git commands behind it):
# `aiops git status`, `diff`, `log -n 20`, `commit --files` (one new file each time) and
# `push` to a local bare repository. N runs of each (default 20) after one untimed run;
# prints the median and max as a markdown table for the README's Performance section.
#
# How: builds the release server-only binary; a temp data dir with an admin and an
# admin-scoped key; a local bare repository; `aiops serve --bind 127.0.0.1:0`; tenant
# `bench`, project `demo`, one native issue and a `shell` session on it; then measures.
#
# Bounded: every CLI run has a 30 s deadline; only loopback; the server, its tmux server
# and the temp dir go on exit. Needs git, tmux, curl (scripts/install-deps).
#
#   scripts/bench/git.sh [--count N]
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=scripts/lib/bench.sh
source "$AIOPS_ROOT/scripts/lib/bench.sh"

count=20
bench_count_args "$@"
bench_need git tmux curl
bench_workdir
trap 'tmux -S "$data/tmux.sock" kill-server 2>/dev/null || true; bench_cleanup' EXIT

step "build release server" bench_build
step "create admin and API key" bench_create_admin
step "make a local bare repository" bench_seed_repo
step "start aiops serve on a loopback port" bench_start_server

cli() { AIOPS_URL=$base AIOPS_API_KEY=$key AIOPS_CONFIG_DIR=$work/cli timeout 30 "$bin" "$@"; }

session='' worktree=''
setup() {
    cli tenants create --name bench >/dev/null &&
        cli projects create --tenant bench --name demo --repo-url "$work/demo.git" >/dev/null || return
    local issue started
    issue=$(cli -o json issues create --tenant bench --project demo --title "Bench git" |
        sed -n 's/^  "id": \([0-9]*\),$/\1/p') || return
    started=$(cli -o json issues work "$issue" --tool shell) || return
    session=$(sed -n 's/^  "id": \([0-9]*\),$/\1/p' <<<"$started" | head -n 1)
    worktree=$(sed -n 's/^  "worktree_path": "\(.*\)",$/\1/p' <<<"$started")
    [[ -n $session && -d $worktree ]]
}
step "create tenant, project, issue and a shell session" setup

at=(demo --tenant bench --session "$session")
# Runs `aiops …` once untimed, then $count times; prints "median max" in ms.
timed() {
    local i start end
    local -a ms=()
    prepare_run
    cli "$@" >/dev/null || return
    for i in $(seq 1 "$count"); do
        prepare_run
        start=$(date +%s%N)
        cli "$@" >/dev/null || return
        end=$(date +%s%N)
        ms+=("$(((end - start) / 1000))")
    done
    printf '%s\n' "${ms[@]}" | bench_median_max
}
prepare_run() { :; }

rows=''
row() { # label aiops-args…
    local label=$1 result
    shift
    result=$(timed "$@") || return
    rows+="| $label | ${result% *} ms | ${result#* } ms |"$'\n'
}
step "baseline ($count runs)" row '`auth whoami` (baseline: the CLI and one API call, no git)' auth whoami
step "git status ($count runs)" row '`git status`' git status "${at[@]}"
step "git diff ($count runs)" row '`git diff`' git diff "${at[@]}"
step "git log -n 20 ($count runs)" row '`git log -n 20`' git log "${at[@]}" -n 20
# Each commit adds one new file, so there is always something to commit.
# (`timed` runs in a subshell, so names come from the clock, not a counter.)
prepare_run() {
    n=$(date +%s%N)
    echo "change $n" >"$worktree/bench-$n.txt"
}
step "git commit ($count runs)" row '`git commit` (one new file)' git commit "${at[@]}" -m bench
# Each push sends one new commit, made with plain git before the timed run.
prepare_run() {
    n=$(date +%s%N)
    echo "change $n" >"$worktree/bench-$n.txt" &&
        git -C "$worktree" add "bench-$n.txt" &&
        git -C "$worktree" -c user.name=bench -c user.email=bench@example.com \
            commit --quiet -m "bench $n"
}
step "git push ($count runs)" row '`git push` (one new commit, local bare repository)' git push "${at[@]}"

cat <<EOF

## Git verbs

$(nproc) cores, $(uname -m), $(git --version), loopback, release build; each through
the CLI (process start + one API call + git), $count runs after one untimed.

| verb on a session worktree | median | max |
|---|---:|---:|
${rows}
EOF
