#!/usr/bin/env bash
# Benchmark (never a test) of the API's list path: a 50-row keyset page of the audit log
# over 100,000 rows, 32 concurrent connections on 2 wrk threads, plus the idle RSS of
# `aiops serve`. Prints a markdown table for the README's Performance section.
#
# How: builds the release server-only binary; makes a temp data dir; creates an admin
# and an admin-scoped API key with `aiops admin` (which also creates the database and
# its schema); seeds 100,000 `audit_log` rows with ONE sqlite3 INSERT … WITH RECURSIVE
# before the server starts (the API has no bulk endpoint for audit rows, and 100k
# single writes would measure the seeding, not the list); then starts
# `aiops serve --bind 127.0.0.1:0` and reads the bound port from its
# "listening on http://…" line. Two wrk runs of 15 s each:
#   first page   GET /api/v1/audit?limit=50
#   deep page    the same with the cursor found after paging halfway (50,000 rows) with
#                limit=500, i.e. a page in the middle of the table
# Idle RSS is read with ps after 5 s without requests, before and after the load.
#
# Bounded: every wait has a deadline, wrk runs 2 x 15 s; only loopback is used; the
# server is stopped and the temp dir removed on exit. Needs wrk, sqlite3, curl, jq
# (scripts/install-deps installs them). The parts shared with the other benchmarks (work
# dir, build, admin + key, server start, wrk runs) are in scripts/lib/bench.sh.
#
#   scripts/bench/api.sh [--duration SECONDS]
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=scripts/lib/bench.sh
source "$AIOPS_ROOT/scripts/lib/bench.sh"

rows=100000
bench_args "$@"
bench_need wrk sqlite3 curl jq
bench_workdir

step "build release server" bench_build
step "create admin and API key" bench_create_admin

seed() { bench_seed_audit "$rows"; }
step "seed $rows audit_log rows (sqlite3, before the server starts)" seed

step "start aiops serve on a loopback port" bench_start_server

find_deep_cursor() {
    local cursor='' page
    for _ in $(seq $((rows / 2 / 500))); do
        page=$(api "/api/v1/audit?limit=500${cursor:+&cursor=$cursor}") || return
        cursor=$(jq -r '.next_cursor // empty | @uri' <<<"$page")
        [[ -n $cursor ]] || {
            echo "ran out of pages before the middle of the table" >&2
            return 1
        }
    done
    deep_cursor=$cursor
    api "/api/v1/audit?limit=50&cursor=$deep_cursor" | jq -e '.items | length == 50' >/dev/null ||
        {
            echo "the deep page does not hold 50 rows" >&2
            return 1
        }
    echo "cursor after $((rows / 2)) rows: $deep_cursor"
}

check_first_page() {
    api "/api/v1/audit?limit=50" | jq -e '.items | length == 50' >/dev/null || {
        echo "GET /api/v1/audit?limit=50 did not return 50 rows" >&2
        return 1
    }
}
step "check the endpoint" check_first_page
step "page to the middle of the table" find_deep_cursor

idle_rss() {
    sleep 5
    rss_before=$(rss_mb)
    echo "idle RSS: $rss_before MB"
}
step "idle RSS (5 s without requests)" idle_rss

step "wrk: first page (${duration}s)" run_wrk first "/api/v1/audit?limit=50"
step "wrk: deep page (${duration}s)" run_wrk deep "/api/v1/audit?limit=50&cursor=$deep_cursor"

idle_rss_after() {
    sleep 5
    rss_after=$(rss_mb)
    echo "idle RSS after load: $rss_after MB"
}
step "idle RSS after the load (5 s without requests)" idle_rss_after

cat <<EOF

## aiops serve: 50-row page of /api/v1/audit over $rows rows

$(nproc) cores, $(uname -m), wrk -t2 -c32 -d${duration}s, API key auth, release build.

| request | req/s | p50 | p99 |
|---|---:|---:|---:|
| first page \`?limit=50\` | ${result[first.rps]} | ${result[first.p50]} | ${result[first.p99]} |
| middle of the table \`?limit=50&cursor=…\` | ${result[deep.rps]} | ${result[deep.p50]} | ${result[deep.p99]} |

| idle RSS of \`aiops serve\` | MB |
|---|---:|
| after start (5 s idle) | $rss_before |
| after the load (5 s idle) | $rss_after |
EOF
