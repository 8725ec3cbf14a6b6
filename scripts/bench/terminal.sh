#!/usr/bin/env bash
# Benchmark (never a test) of agent sessions, each number with the session sandbox on
# (bubblewrap) and off (an admin's --no-sandbox), in one run (issues 4 and 14 targets):
#   1. `aiops issues work N --tool shell` wall time until it returns with a live pane, on
#      a warm base clone (the first run clones; the next ones fetch and add a worktree):
#      target ≤ 1 s, the sandbox ≤ 50 ms of it. 10 timed runs of each kind, alternating,
#      on 20 issues after one untimed (cold) run.
#   2. Keystroke-echo latency through the terminal WebSocket: server → PTY →
#      `tmux attach` → the pane's shell → back, one key at a time after the previous
#      one's echo, N keys (default 1000) after 20 untimed ones, by the client in
#      crates/aiops-server/examples/terminal_echo.rs (TCP_NODELAY, acks every frame):
#      target p50 ≤ 2 ms, p99 ≤ 10 ms on loopback; the sandbox adds nothing measurable.
# Prints markdown tables for the README's Performance section.
#
# How: builds the release server-only binary and the echo client; makes a temp data dir
# with an admin and an admin-scoped key; a local bare repository with one commit; starts
# `aiops serve --bind 127.0.0.1:0`; creates tenant `bench`, project `demo` on that
# repository and 21 native issues through the CLI; then measures.
#
# Bounded: every wait has a deadline (server start 30 s, each CLI run 30 s, each echo
# 5 s, the echo run 10 min); only loopback; the server and its tmux server are stopped
# and the temp dir removed on exit. Needs git, tmux, curl (scripts/install-deps).
#
#   scripts/bench/terminal.sh [--count N]
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=scripts/lib/bench.sh
source "$AIOPS_ROOT/scripts/lib/bench.sh"

count=1000
bench_count_args "$@"
bench_need git tmux curl bwrap
bench_workdir
# The sessions outlive the server by design: stop this data dir's own tmux server too.
trap 'tmux -S "$data/tmux.sock" kill-server 2>/dev/null || true; bench_cleanup' EXIT

step "build release server" bench_build
step "build the echo client (release)" \
    cargo build --release -p aiops-server --example terminal_echo
step "create admin and API key" bench_create_admin

step "make a local bare repository" bench_seed_repo
# Eleven live sessions: above the default per-user limit of 8.
export AIOPS_MAX_SESSIONS_PER_USER=50
step "start aiops serve on a loopback port" bench_start_server

cli() { AIOPS_URL=$base AIOPS_API_KEY=$key AIOPS_CONFIG_DIR=$work/cli timeout 30 "$bin" "$@"; }

issues=()
setup() {
    cli tenants create --name bench >/dev/null &&
        cli projects create --tenant bench --name demo --repo-url "$work/demo.git" >/dev/null || return
    local i id
    for i in $(seq 0 20); do
        id=$(cli -o json issues create --tenant bench --project demo --title "Bench task $i" |
            sed -n 's/^  "id": \([0-9]*\),$/\1/p') || return
        [[ -n $id ]] || return
        issues+=("$id")
    done
}
step "create tenant, project and 21 issues" setup

declare -a sandboxed_ms=() unsandboxed_ms=()
sandboxed_id='' unsandboxed_id=''
# work ISSUE [ARGS…]: starts a shell session on ISSUE, prints its id.
work() {
    cli -o json issues work "$1" --tool shell "${@:2}" | sed -n 's/^  "id": \([0-9]*\),$/\1/p'
}
time_work() {
    local i start end id
    work "${issues[0]}" >/dev/null || return # cold: clones
    for i in $(seq 1 2 19); do
        start=$(date +%s%N)
        id=$(work "${issues[$i]}") || return
        end=$(date +%s%N)
        sandboxed_ms+=("$(((end - start) / 1000))")
        sandboxed_id=$id
        start=$(date +%s%N)
        id=$(work "${issues[$((i + 1))]}" --no-sandbox) || return
        end=$(date +%s%N)
        unsandboxed_ms+=("$(((end - start) / 1000))")
        unsandboxed_id=$id
    done
    cli sessions get "$sandboxed_id" | grep -q 'sandbox.*bubblewrap' || {
        echo "session $sandboxed_id is not sandboxed: is bubblewrap working?" >&2
        return 1
    }
}
step "time aiops issues work on a warm clone (10 runs each, sandbox on and off)" time_work

# Median and max of the runs, in ms with one decimal.
read -r on_median on_max < <(printf '%s\n' "${sandboxed_ms[@]}" | bench_median_max)
read -r off_median off_max < <(printf '%s\n' "${unsandboxed_ms[@]}" | bench_median_max)

# echo_table SESSION: the echo client's table for that session's terminal.
echo_table() {
    AIOPS_API_KEY=$key timeout 600 "$CARGO_TARGET_DIR/release/examples/terminal_echo" \
        "ws://${base#http://}/api/v1/sessions/$1/terminal" "$count"
}
measure() {
    table_on=$(echo_table "$sandboxed_id") && table_off=$(echo_table "$unsandboxed_id")
}
step "type $count keys into a sandboxed and an unsandboxed session, one at a time" measure

cat <<EOF

## Sessions

$(nproc) cores, $(uname -m), $(tmux -V), $(git --version), loopback, release build.

| \`aiops issues work\` to a live pane (warm clone, 10 runs each) | median | max |
|---|---:|---:|
| sandboxed (bubblewrap) | ${on_median} ms | ${on_max} ms |
| unsandboxed (\`--no-sandbox\`) | ${off_median} ms | ${off_max} ms |

Keystroke echo over the terminal WebSocket (server → PTY → tmux attach → shell → back),
sandboxed session:

$table_on

The same, unsandboxed session:

$table_off
EOF
