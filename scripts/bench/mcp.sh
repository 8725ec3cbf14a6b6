#!/usr/bin/env bash
# Benchmark (never a test) of aiops's MCP server (issue 21): the latency of one
# `tools/call issue_get` over stdio (`aiops mcp`) and over Streamable HTTP (`/api/mcp`),
# p50 and p99, against the same read through the CLI (`aiops issues get ID -o json`, a
# new process each time, as an agent typing commands pays it). Prints a markdown table
# for the README's Performance section.
#
# How: builds the release server-only binary; an admin and an admin-scoped API key with
# `aiops admin`; starts `aiops serve --bind 127.0.0.1:0`; creates tenant `bench`, a
# project on a local bare repository and one issue with a comment. The MCP client is the
# official Python SDK (PyPI `mcp`, pinned in scripts/lib/mcp.sh; the venv scripts/
# install-deps makes), driving the e2e tests' client script: one connection per
# transport, 20 untimed calls, then $count timed calls one after another. The CLI runs
# 20 untimed, then $count timed.
#
# Bounded: every wait has a deadline, each CLI run a 10 s timeout; only loopback is
# used; the server is stopped and the temp dir removed on exit. Needs curl and jq.
#
#   scripts/bench/mcp.sh [--count N]   (default 300)
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=scripts/lib/bench.sh
source "$AIOPS_ROOT/scripts/lib/bench.sh"
# shellcheck source=scripts/lib/mcp.sh
source "$AIOPS_ROOT/scripts/lib/mcp.sh"

count=300
bench_count_args "$@"
bench_need curl jq
mcp_client_ready || {
    echo "the MCP Python SDK is not installed: run scripts/install-deps" >&2
    exit 1
}
client="$AIOPS_ROOT/src-tauri/tests/e2e/fixtures/mcp_client.py"
bench_workdir

step "build release server" bench_build
step "create admin and API key" bench_create_admin
step "start aiops serve on a loopback port" bench_start_server

seed() {
    export AIOPS_URL=$base AIOPS_API_KEY=$key AIOPS_CONFIG_DIR="$work/config"
    bench_seed_repo &&
        "$bin" tenants create --name bench >/dev/null &&
        "$bin" projects create --name demo --tenant bench --repo-url "$work/demo.git" >/dev/null &&
        issue=$("$bin" issues create --project demo --tenant bench --title "Measure MCP" -o json | jq -r .id) &&
        "$bin" issues comment "$issue" "a comment to read" >/dev/null
}
step "seed a project and an issue" seed

# p50_p99 < one duration in ms per line: "P50 P99" with two decimals (nearest rank).
p50_p99() {
    sort -n | awk '{ v[NR] = $1 } END {
        i50 = int(NR * 0.50 + 0.5); i99 = int(NR * 0.99 + 0.5); if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1
        printf "%.2f %.2f\n", v[i50], v[i99] }'
}

mcp_bench() { # mcp_bench NAME ARGS...: the client's timed calls → result[NAME]
    local name=$1 steps out
    shift
    steps=$(jq -cn --argjson id "$issue" --argjson n "$count" '[
        { op: "bench", name: "issue_get", args: { id: $id }, n: 20 },
        { op: "bench", name: "issue_get", args: { id: $id }, n: $n } ]')
    out=$(timeout 600 "$MCP_VENV/bin/python" "$client" "$@" <<<"$steps") || return
    result[$name]=$(jq -r '.steps[1][]' <<<"$out" | p50_p99)
    echo "$name: ${result[$name]} ms (p50 p99; protocol $(jq -r .protocol <<<"$out"))"
}
step "MCP over stdio: $count calls" mcp_bench stdio stdio "$bin"
step "MCP over HTTP: $count calls" mcp_bench http http "$base/api/mcp" "$key"

cli_bench() {
    local i t0 t1 times=""
    for ((i = 0; i < 20; i++)); do timeout 10 "$bin" issues get "$issue" -o json >/dev/null; done
    for ((i = 0; i < count; i++)); do
        t0=$(date +%s%N)
        timeout 10 "$bin" issues get "$issue" -o json >/dev/null
        t1=$(date +%s%N)
        times+="$(((t1 - t0) / 1000))"$'\n'
    done
    result[cli]=$(awk 'NF { printf "%.3f\n", $1 / 1000 }' <<<"$times" | p50_p99)
    echo "cli: ${result[cli]} ms (p50 p99)"
}
step "CLI: $count runs of issues get" cli_bench

row() { # row LABEL NAME
    local p50 p99
    read -r p50 p99 <<<"${result[$2]}"
    printf '| %s | %s ms | %s ms |\n' "$1" "$p50" "$p99"
}
printf '\n| `issue_get`, %s calls in a row | p50 | p99 |\n|---|---:|---:|\n' "$count"
row '`tools/call` over stdio (`aiops mcp`)' stdio
row '`tools/call` over Streamable HTTP (`/api/mcp`, SSE answer)' http
row '`aiops issues get ID -o json` (a process per call)' cli
