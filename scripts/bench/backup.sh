#!/usr/bin/env bash
# Benchmark (never a test) of backups on a large instance: 100,000 issues (with labels
# and full-text index) and 1,000,000 audit rows. Measures
#   - a backup through the API (POST /system/backups, then its job until done): wall
#     time, archive size, and the server's peak RSS (VmHWM) before and after;
#   - the restore of that archive into a fresh data dir with `aiops admin restore`:
#     wall time and peak RSS (GNU time);
#   - the API's latency on a 50-row issue page (wrk) without a backup, and while backups
#     run back to back for the whole wrk run.
# Prints a markdown table for the README's Performance section.
#
# Seeding is one sqlite3 script before the server starts (scripts/lib/bench.sh); the
# server is the release server-only build on a loopback port. Bounded: every wait has a
# deadline; the server is stopped and the temp dir removed on exit. Needs wrk, sqlite3,
# curl, jq, GNU time (scripts/install-deps installs them).
#
#   scripts/bench/backup.sh [--duration SECONDS]
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=scripts/lib/bench.sh
source "$AIOPS_ROOT/scripts/lib/bench.sh"

rows=100000
projects=20
word=scheduler
audit_rows=1000000
bench_args "$@"
bench_need wrk sqlite3 curl jq
[[ -x /usr/bin/time ]] || {
    echo "GNU time (/usr/bin/time) is missing: apt-get install time" >&2
    exit 1
}
bench_workdir

step "build release server" bench_build
step "create admin and API key" bench_create_admin
step "seed $rows issues in $projects projects" bench_seed_issues

seed_audit() {
    bench_seed_audit "$audit_rows" || return
    db_mb=$(du -m "$data/aiops.db" | cut -f1)
    echo "database: $db_mb MB"
}
step "seed $audit_rows audit rows" seed_audit
step "start aiops serve on a loopback port" bench_start_server

post() { # POST JSON to a path with the key
    curl -fsS --max-time 10 -H "Authorization: Bearer $key" -H 'content-type: application/json' \
        -d "$2" "$base$1"
}

hwm_mb() { # the server's peak resident set size so far, in MB
    awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status"
}

# backup_once: one backup through the API, followed to its end; sets archive and
# backup_ms.
backup_once() {
    local job id state start end log offset=0 deadline=$((SECONDS + 600))
    start=$(date +%s%N)
    job=$(post /api/v1/system/backups '{"description":"bench"}') || return
    id=$(jq -r .id <<<"$job")
    while ((SECONDS < deadline)); do
        log=$(api "/api/v1/system/jobs/$id?offset=$offset&wait=10") || return
        offset=$(jq -r .next_offset <<<"$log")
        state=$(jq -r .job.state <<<"$log")
        case $state in
        succeeded)
            end=$(date +%s%N)
            backup_ms=$(((end - start) / 1000000))
            archive="$data/backups/$(jq -r .job.result.id <<<"$log")"
            return 0
            ;;
        failed | cancelled)
            echo "backup job $id $state: $(jq -r .job.error <<<"$log")" >&2
            return 1
            ;;
        esac
    done
    echo "backup job $id did not end within 600 s" >&2
    return 1
}

measure_backup() {
    hwm_before=$(hwm_mb)
    backup_once || return
    hwm_after=$(hwm_mb)
    archive_mb=$(du -m "$archive" | cut -f1)
    echo "backup: ${backup_ms} ms, archive $archive_mb MB; server VmHWM $hwm_before -> $hwm_after MB"
}
step "backup through the API" measure_backup

measure_restore() {
    local fresh="$work/restored" out
    out=$(/usr/bin/time -f '%e %M' "$bin" admin restore --data-dir "$fresh" --yes "$archive" 2>&1 >/dev/null) || {
        echo "$out" >&2
        return 1
    }
    read -r restore_s restore_kb <<<"$(tail -n 1 <<<"$out")"
    restore_mb=$(awk -v k="$restore_kb" 'BEGIN { printf "%.1f", k / 1024 }')
    local n
    n=$(sqlite3 "$fresh/aiops.db" 'SELECT (SELECT count(*) FROM issues) || " " || (SELECT count(*) FROM audit_log)')
    echo "restore: ${restore_s} s, peak RSS $restore_mb MB; restored issues and audit rows: $n"
    [[ ${n%% *} == "$rows" ]] || {
        echo "the restored database has ${n%% *} issues, not $rows" >&2
        return 1
    }
}
step "restore into a fresh data dir (aiops admin restore)" measure_restore

step "wrk: issue page, no backup (${duration}s)" run_wrk idle "/api/v1/issues?limit=50"

during() {
    local loop_pid n
    (
        while :; do backup_once >/dev/null || exit 1; done
    ) &
    loop_pid=$!
    run_wrk busy "/api/v1/issues?limit=50"
    kill "$loop_pid" 2>/dev/null || true
    wait "$loop_pid" 2>/dev/null || true
    n=$(find "$data/backups" -name 'aiops-backup-*.json' | wc -l)
    echo "backups kept after the run: $n"
}
step "wrk: issue page while backups run back to back (${duration}s)" during

cat <<EOF

## Backups of a $db_mb MB database ($rows issues, $audit_rows audit rows)

$(nproc) cores, $(uname -m), release build.

| | time | size / peak RSS |
|---|---:|---:|
| backup through the API (snapshot, check, archive) | ${backup_ms} ms | archive $archive_mb MB; server VmHWM $hwm_before → $hwm_after MB |
| \`aiops admin restore\` into a fresh data dir | ${restore_s} s | peak RSS $restore_mb MB |

| \`GET /api/v1/issues?limit=50\`, wrk -t2 -c32 -d${duration}s | req/s | p50 | p99 |
|---|---:|---:|---:|
| no backup | ${result[idle.rps]} | ${result[idle.p50]} | ${result[idle.p99]} |
| backups back to back | ${result[busy.rps]} | ${result[busy.p50]} | ${result[busy.p99]} |
EOF
