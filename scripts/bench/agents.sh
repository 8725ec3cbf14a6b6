#!/usr/bin/env bash
# Benchmark (never a test) of starting a real agent and of noticing that an agent is
# blocked. Prints a markdown table for the README's Performance section:
#   claude to waiting   `aiops issues work N --tool claude` until the session is
#                       `waiting` (Claude Code read the issue, asked the model, answered
#                       and its Stop hook reported), the fake model answering at once;
#                       N runs (default 10), median and max
#   dialog detected     a tool of kind codex that draws Codex's folder-trust dialog:
#                       from the moment it drew it to the session being `waiting` with
#                       "Codex asks to trust this folder" (the session recorder renders
#                       the pane and matches the known dialogs); N runs, median and max
#
# How: builds the release server-only binary and the fake model endpoint
# (tests/fakes/examples/model.rs); a temp data dir with an admin and an admin-scoped key;
# a local bare repository; `aiops serve --bind 127.0.0.1:0` with the agents' install
# folder readable in the session sandbox; the admin's fake Anthropic key; the built-in
# `claude` tool pointed at the pinned Claude Code (scripts/install-deps) and the fake
# model. The state is read with `GET /api/v1/sessions/{id}` every 10 ms, so figures are
# good to about 10 ms. Each run is a new issue (a new worktree), killed after.
#
# Bounded: every wait has a deadline (90 s); only loopback; the server, its tmux server,
# the fake model and the temp dir go on exit. Needs git, tmux, curl, jq, bubblewrap and
# the agents (scripts/install-deps).
#
#   scripts/bench/agents.sh [--count N]
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=scripts/lib/bench.sh
source "$AIOPS_ROOT/scripts/lib/bench.sh"
# shellcheck source=scripts/lib/agents.sh
source "$AIOPS_ROOT/scripts/lib/agents.sh"

count=10
bench_count_args "$@"
bench_need git tmux curl jq bwrap
bench_workdir
model_pid=
trap 'tmux -S "$data/tmux.sock" kill-server 2>/dev/null || true
      [[ -n $model_pid ]] && kill "$model_pid" 2>/dev/null; bench_cleanup' EXIT

claude_bin=$AGENTS_DIR/npm/node_modules/.bin/claude
[[ -x $claude_bin ]] || {
    echo "Claude Code is not installed at $claude_bin: run scripts/install-deps" >&2
    exit 1
}
model_key=sk-ant-api03-bench-0123456789abcdefghijKLMNOP

build_model() {
    cargo build --quiet --release -p aiops-fakes --example model &&
        model_bin="${CARGO_TARGET_DIR:-$AIOPS_ROOT/target}/release/examples/model"
}
start_model() {
    "$model_bin" --key "$model_key" >"$work/model.out" 2>"$work/model.err" &
    model_pid=$!
    local deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)); do
        model_url=$(head -n 1 "$work/model.out" 2>/dev/null || true)
        [[ $model_url == http://* ]] && return 0
        sleep 0.05
    done
    echo "the fake model did not start" >&2
    return 1
}

cli() { AIOPS_URL=$base AIOPS_API_KEY=$key AIOPS_CONFIG_DIR=$work/cli timeout 60 "$bin" "$@"; }

# The agents live under the server account's home, which the sandbox hides.
export AIOPS_SANDBOX_READ_ONLY="[\"$AGENTS_DIR\"]"

setup() {
    cli tenants create --name bench >/dev/null &&
        cli projects create --tenant bench --name demo --repo-url "$work/demo.git" >/dev/null &&
        cli tools credentials set anthropic_api_key <<<"$model_key" >/dev/null &&
        cli tools set claude --command "$claude_bin" --kind claude --prompt argument \
            --env "ANTHROPIC_BASE_URL=$model_url" -- --permission-mode acceptEdits >/dev/null &&
        # Draws Codex's folder-trust dialog, notes when, then waits.
        cat >"$work/dialog.sh" <<'SH' &&
#!/bin/sh
printf '  Folder access\n  Trust this folder? Codex can read, edit, and run files here.\n'
printf '> 1. Trust and continue\n  2. Back\n'
date +%s%N >"$HOME/drawn-at"
exec sleep 600
SH
        chmod +x "$work/dialog.sh" &&
        cli tools set dialog --command "$work/dialog.sh" --kind codex >/dev/null
}

now_us() { echo $(($(date +%s%N) / 1000)); }

new_issue() {
    cli -o json issues create --tenant bench --project demo --title "$1" | jq -r .id
}

# wait_state ID STATE [DETAIL]: polls every 10 ms (90 s at most).
wait_state() {
    local deadline=$((SECONDS + 90)) s
    while ((SECONDS < deadline)); do
        s=$(api "/api/v1/sessions/$1") || return
        if [[ $(jq -r .state <<<"$s") == "$2" ]] &&
            [[ -z ${3:-} || $(jq -r .detail <<<"$s") == *"$3"* ]]; then
            return 0
        fi
        sleep 0.01
    done
    echo "session $1 was not $2 ${3:+($3) }within 90 s: $s" >&2
    return 1
}

measure_claude() {
    : >"$work/claude.us"
    local i issue t0 id
    for ((i = 1; i <= count; i++)); do
        issue=$(new_issue "Claude run $i") || return
        t0=$(now_us)
        id=$(cli -o json issues work "$issue" --tool claude | jq -r .id) || return
        wait_state "$id" waiting || return
        echo $(($(now_us) - t0)) >>"$work/claude.us"
        cli sessions kill "$id" >/dev/null || return
    done
}

measure_dialog() {
    : >"$work/dialog.us"
    local i issue id drawn home
    home="$data/homes/1"
    for ((i = 1; i <= count; i++)); do
        issue=$(new_issue "Dialog run $i") || return
        rm -f "$home/drawn-at"
        id=$(cli -o json issues work "$issue" --tool dialog | jq -r .id) || return
        wait_state "$id" waiting "Codex asks to trust this folder" || return
        drawn=$(($(cat "$home/drawn-at") / 1000))
        echo $(($(now_us) - drawn)) >>"$work/dialog.us"
        cli sessions kill "$id" >/dev/null || return
    done
}

step "build release server" bench_build
step "build the fake model endpoint" build_model
step "start the fake model endpoint" start_model
step "create admin and API key" bench_create_admin
step "make a local bare repository" bench_seed_repo
step "start aiops serve on a loopback port" bench_start_server
step "tenant, project, key and tools" setup
step "issues work --tool claude to waiting ($count runs)" measure_claude
step "a blocking dialog to waiting ($count runs)" measure_dialog

read -r claude_p50 claude_max < <(bench_median_max <"$work/claude.us")
read -r dialog_p50 dialog_max < <(bench_median_max <"$work/dialog.us")
cat <<EOF

| agents ($count runs, fake model answering at once) | median | max |
|---|---|---|
| \`issues work --tool claude\` to \`waiting\` (Claude Code $CLAUDE_CODE_VERSION) | ${claude_p50} ms | ${claude_max} ms |
| a blocking dialog drawn to \`waiting\` with its detail | ${dialog_p50} ms | ${dialog_max} ms |
EOF
