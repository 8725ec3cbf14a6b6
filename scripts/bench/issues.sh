#!/usr/bin/env bash
# Benchmark (never a test) of the issue inbox: 50-row pages of GET /api/v1/issues over
# 100,000 issues in 20 projects, 32 concurrent connections on 2 wrk threads, and the wall
# time of `aiops issues list --limit 50` (table and -o json). Prints a markdown table for
# the README's Performance section. Targets (issue 3): ≥ 5,000 req/s, CLI ≤ 100 ms.
#
# How: builds the release server-only binary; makes a temp data dir; creates an admin
# and an admin-scoped API key with `aiops admin` (which also creates the database and
# its schema); seeds with ONE sqlite3 script before the server starts: tenant `bench`,
# 20 projects, 100,000 native issues (#1… numbered per project, ids interleaved across
# the projects, one minute apart and ending now; ~80% open, the rest closed with
# closed_at; ~1/3 assigned to the admin; titles "<Area> <problem> <context>" from small
# word lists) and labels for half of them (bug 35%, ui 15%, backend 15%). The API has
# no bulk endpoint and 100k single POSTs would measure the seeding, not the list; the
# INSERT … SELECT fires the issues_fts triggers, so the full-text index is filled as
# the server would fill it (checked with a MATCH count). Then starts
# `aiops serve --bind 127.0.0.1:0` and reads the bound port from its
# "listening on http://…" line. Three wrk runs of 15 s each:
#   open issues        GET /api/v1/issues?limit=50              (status defaults to open)
#   label              GET /api/v1/issues?limit=50&label=bug
#   full-text search   GET /api/v1/issues?limit=50&q=scheduler  (~10% of titles)
# then 20 timed runs each of `aiops issues list --limit 50` and `… -o json` (after one
# untimed run each) with AIOPS_URL, AIOPS_API_KEY and a temp AIOPS_CONFIG_DIR; the
# median and the slowest are reported. Last, `aiops issues list --status all --all`
# (table and -o json: every one of the 100,000 rows, the CLI following the cursors and
# streaming), 3 runs each under GNU time: wall time and the CLI's peak RSS (issue 16
# targets: ≤ 1.5 s, ≤ 60 MB).
#
# Bounded: every wait has a deadline, wrk runs 3 x 15 s, each CLI run has a 10 s
# timeout; only loopback is used; the server is stopped and the temp dir removed on
# exit. Needs wrk, sqlite3, curl, jq, GNU time (scripts/install-deps installs them). The parts
# shared with the other benchmarks are in scripts/lib/bench.sh.
#
#   scripts/bench/issues.sh [--duration SECONDS]
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=scripts/lib/bench.sh
source "$AIOPS_ROOT/scripts/lib/bench.sh"

rows=100000
projects=20
word=scheduler # the full-text query; one of the ten title areas below
cli_runs=20
bench_args "$@"
bench_need wrk sqlite3 curl jq
[[ -x /usr/bin/time ]] || {
    echo "GNU time (/usr/bin/time) is missing: apt-get install time" >&2
    exit 1
}
bench_workdir

step "build release server" bench_build
step "create admin and API key" bench_create_admin

step "seed $rows issues in $projects projects (sqlite3, before the server starts)" bench_seed_issues

step "start aiops serve on a loopback port" bench_start_server

check_page() { # check_page PATH JQ-CONDITION-ON-EACH-ITEM
    local page
    page=$(api "$1") || return
    jq -e --arg w "$word" "(.items | length == 50) and (.next_cursor != null)
        and ([.items[].id] == ([.items[].id] | sort | reverse))
        and (.items | all($2))" <<<"$page" >/dev/null || {
        echo "GET $1: not 50 matching items, newest first, with a next cursor" >&2
        return 1
    }
}
check_endpoints() {
    check_page "/api/v1/issues?limit=50" '.status == "open"' || return
    check_page "/api/v1/issues?limit=50&label=bug" \
        '.status == "open" and any(.labels[]; . == "bug")' || return
    # shellcheck disable=SC2016 # \$w is jq's variable
    check_page "/api/v1/issues?limit=50&q=$word" \
        '.status == "open" and (.title | ascii_downcase | contains($w))' || return
    echo "each of the three pages holds 50 matching open issues, newest first"
}
step "check the endpoints" check_endpoints

step "wrk: open issues (${duration}s)" run_wrk open "/api/v1/issues?limit=50"
step "wrk: label=bug (${duration}s)" run_wrk label "/api/v1/issues?limit=50&label=bug"
step "wrk: q=$word (${duration}s)" run_wrk fts "/api/v1/issues?limit=50&q=$word"

declare -A cli_median cli_max
cli() { # the CLI against the bench server; its own config dir, the key from the env
    AIOPS_URL=$base AIOPS_API_KEY=$key AIOPS_CONFIG_DIR="$work/config" \
        timeout 10 "$bin" issues list --limit 50 "$@"
}
time_cli() { # time_cli NAME [ARGS...]: one untimed run, then $cli_runs timed ones
    local name=$1 out t0 t1 ms=()
    shift
    [[ -d $work/config ]] || mkdir -m 700 "$work/config" || return
    out=$(cli "$@") || return
    [[ $(wc -l <<<"$out") -ge 50 ]] || {
        echo "aiops issues list $* printed less than 50 lines:" >&2
        echo "$out" >&2
        return 1
    }
    for _ in $(seq "$cli_runs"); do
        t0=${EPOCHREALTIME//[.,]/}
        cli "$@" >/dev/null 2>"$work/cli.err" || {
            cat "$work/cli.err" >&2
            return 1
        }
        t1=${EPOCHREALTIME//[.,]/}
        ms+=("$(((t1 - t0) / 1000)).$((((t1 - t0) % 1000) / 100))")
    done
    local sorted
    sorted=$(printf '%s\n' "${ms[@]}" | sort -n)
    cli_median[$name]=$(awk '{ v[NR] = $1 } END {
        printf "%.1f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }' <<<"$sorted")
    cli_max[$name]=$(tail -n 1 <<<"$sorted")
    echo "ms: ${ms[*]}"
    echo "median ${cli_median[$name]} ms, max ${cli_max[$name]} ms"
}
step "CLI: aiops issues list --limit 50 ($cli_runs runs)" time_cli table
step "CLI: aiops issues list --limit 50 -o json ($cli_runs runs)" time_cli json -o json

declare -A all_wall all_rss
time_all() { # time_all NAME [ARGS...]: 3 runs of --all; the slowest wall time, the largest RSS
    local name=$1 out rows wall=0 rss=0 w r
    shift
    for _ in 1 2 3; do
        out=$(AIOPS_URL=$base AIOPS_API_KEY=$key AIOPS_CONFIG_DIR="$work/config" \
            /usr/bin/time -f "%e %M" -o "$work/time.txt" \
            timeout 60 "$bin" issues list --status all --all "$@" 2>"$work/cli.err") || {
            cat "$work/cli.err" >&2
            return 1
        }
        case $name in
        json) rows=$(jq length <<<"$out") ;;
        *) rows=$(($(wc -l <<<"$out") - 1)) ;;
        esac
        [[ $rows -eq $rows_total ]] || {
            echo "aiops issues list --all $* gave $rows rows, not $rows_total" >&2
            return 1
        }
        read -r w r <"$work/time.txt"
        wall=$(awk -v a="$wall" -v b="$w" 'BEGIN { print (b > a) ? b : a }')
        ((r > rss)) && rss=$r
    done
    all_wall[$name]=$wall
    all_rss[$name]=$((rss / 1024))
    echo "slowest ${wall} s, peak RSS ${all_rss[$name]} MB"
}
rows_total=$rows
step "CLI: aiops issues list --status all --all (3 runs)" time_all table
step "CLI: aiops issues list --status all --all -o json (3 runs)" time_all json -o json

cat <<EOF

## Issue inbox: 50-row pages of /api/v1/issues over $rows issues in $projects projects

$(nproc) cores, $(uname -m), wrk -t2 -c32 -d${duration}s, API key auth (admin), release build.
Data: $n_open open; $n_labelled labelled ($n_bug bug); $n_fts match \`$word\`.

| request | req/s | p50 | p99 |
|---|---:|---:|---:|
| open issues \`?limit=50\` | ${result[open.rps]} | ${result[open.p50]} | ${result[open.p99]} |
| by label \`?limit=50&label=bug\` | ${result[label.rps]} | ${result[label.p50]} | ${result[label.p99]} |
| full-text \`?limit=50&q=$word\` | ${result[fts.rps]} | ${result[fts.p50]} | ${result[fts.p99]} |

| \`aiops issues list --limit 50\`, $cli_runs runs | median | max |
|---|---:|---:|
| table | ${cli_median[table]} ms | ${cli_max[table]} ms |
| \`-o json\` | ${cli_median[json]} ms | ${cli_max[json]} ms |

| \`aiops issues list --status all --all\` ($rows rows), 3 runs | slowest wall | peak RSS |
|---|---:|---:|
| table | ${all_wall[table]} s | ${all_rss[table]} MB |
| \`-o json\` | ${all_wall[json]} s | ${all_rss[json]} MB |
EOF
