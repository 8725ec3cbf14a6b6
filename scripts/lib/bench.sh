# shellcheck shell=bash
# Shared by the benchmarks in scripts/bench/ (sourced after lib/common.sh, not run): the
# --duration flag, the tool check, a temp work dir whose cleanup stops the server, the
# release build, an admin with an admin-scoped API key, starting `aiops serve` on a
# loopback port, and wrk runs that fill `result[NAME.rps|NAME.p50|NAME.p99]`.
#
# Globals it sets: duration (wrk seconds per run), work (temp dir), data (its data dir),
# bin (the release binary), admin_email, key (the API key), server_pid, base
# (http://127.0.0.1:PORT), result (associative array).
#
# The functions return non-zero on failure and print nothing but progress, so a script
# runs each as a `step` (lib/common.sh):
#
#   bench_args "$@"; bench_need wrk sqlite3 curl; bench_workdir
#   step "build release server" bench_build
#   step "create admin and API key" bench_create_admin
#   step "start aiops serve on a loopback port" bench_start_server
#   step "wrk: first page (${duration}s)" run_wrk first "/api/v1/…"

duration=15
admin_email=bench@example.com
server_pid=
declare -gA result=()

# bench_args "$@": the only flag a benchmark takes, --duration SECONDS (default 15).
bench_args() {
    while (($#)); do
        case $1 in
        --duration)
            [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || {
                echo "${0##*/}: --duration needs a whole number of seconds" >&2
                exit 2
            }
            duration=$2
            shift 2
            ;;
        *)
            echo "usage: scripts/bench/${0##*/} [--duration SECONDS]" >&2
            exit 2
            ;;
        esac
    done
}

# bench_count_args "$@": the only flag a counting benchmark takes, --count N (a whole
# number; the script sets its default in $count first).
# shellcheck disable=SC2034 # count is read by the scripts that source this file
bench_count_args() {
    while (($#)); do
        case $1 in
        --count)
            [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || {
                echo "usage: scripts/bench/${0##*/} [--count N]" >&2
                exit 2
            }
            count=$2
            shift 2
            ;;
        *)
            echo "usage: scripts/bench/${0##*/} [--count N]" >&2
            exit 2
            ;;
        esac
    done
}

# bench_need TOOL...: exit 1 naming the first tool not on PATH.
bench_need() {
    local tool
    for tool; do
        command -v "$tool" >/dev/null || {
            echo "${0##*/}: '$tool' not found; run scripts/install-deps" >&2
            exit 1
        }
    done
}

# bench_workdir: a temp dir (work, data under it) removed on exit, after stopping the
# server: TERM, up to 5 s for it to go, then KILL.
bench_workdir() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/aiops-bench.XXXXXX")
    data="$work/data"
    bin="$CARGO_TARGET_DIR/release/aiops"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

bench_cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}

# bench_build: the release server-only binary ($bin).
bench_build() {
    cargo build --release -p aiops --no-default-features --features server
}

# bench_create_admin: the admin $admin_email (password $admin_password when set, else a
# random one) and an API key with read,write,admin in $key.
# `aiops admin create-admin` also creates the database and its schema.
bench_create_admin() {
    printf "%s\n" "${admin_password:-bench-password-$RANDOM$RANDOM}" |
        "$bin" admin create-admin --data-dir "$data" --email "$admin_email" --password-stdin ||
        return
    key=$("$bin" admin create-api-key --data-dir "$data" --email "$admin_email" \
        --scopes read,write,admin --name bench) || return
    [[ $key == aiops_* ]] || {
        echo "unexpected create-api-key output: $key" >&2
        return 1
    }
}

# bench_start_server: `aiops serve --bind 127.0.0.1:0` in the background; waits up to 30 s
# for its "listening on http://…" line and sets server_pid and base.
bench_start_server() {
    "$bin" serve --data-dir "$data" --bind 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
    server_pid=$!
    local deadline=$((SECONDS + 30)) line
    while ((SECONDS < deadline)); do
        line=$(grep -o 'listening on http://[0-9.:]*' "$work/serve.out" 2>/dev/null || true)
        if [[ -n $line ]]; then
            base=${line#listening on }
            echo "server pid $server_pid at $base"
            return 0
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "the server did not report its address; its stderr:" >&2
    tail -n 20 "$work/serve.err" >&2
    return 1
}

api() { # GET a path with the key; fails on a non-2xx status
    curl -fsS --max-time 10 -H "Authorization: Bearer $key" "$base$1"
}

rss_mb() { # resident set size of the server, in MB
    awk '{ printf "%.1f", $1 / 1024 }' <<<"$(ps -o rss= -p "$server_pid")"
}

# run_wrk NAME PATH: wrk -t2 -c32 for $duration s with the key; prints wrk's report and
# sets result[NAME.rps], result[NAME.p50], result[NAME.p99]. Fails on any non-2xx reply.
# shellcheck disable=SC2034 # result is read by the scripts that source this file
run_wrk() {
    local name=$1 path=$2 out
    out=$(wrk -t2 -c32 -d"${duration}s" --latency --timeout 10s \
        -H "Authorization: Bearer $key" "$base$path") || return
    echo "$out"
    if grep -q 'Non-2xx or 3xx responses' <<<"$out"; then
        echo "wrk saw non-2xx responses: the numbers are not valid" >&2
        return 1
    fi
    result[$name.rps]=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
    result[$name.p50]=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    result[$name.p99]=$(awk '$1 == "99%" { print $2 }' <<<"$out")
}

# bench_median_max: reads one duration in microseconds per line; prints "MEDIAN MAX" in
# ms with one decimal (the lower middle value for an even count).
bench_median_max() {
    sort -n | awk '{ v[NR] = $1 } END { printf "%.1f %.1f\n", v[int((NR + 1) / 2)] / 1000, v[NR] / 1000 }'
}

bench_seed_repo() { # a bare repository $work/demo.git whose main has one commit
    local seed="$work/seed"
    git init --quiet --bare --initial-branch=main "$work/demo.git" &&
        git init --quiet --initial-branch=main "$seed" &&
        echo "# demo" >"$seed/README.md" &&
        git -C "$seed" add README.md &&
        git -C "$seed" -c user.name=bench -c user.email=bench@example.com \
            commit --quiet -m seed &&
        git -C "$seed" push --quiet "$work/demo.git" main
}

# bench_seed_issues: with ONE sqlite3 script before the server starts, tenant `bench`
# (the admin a member), $projects projects and $rows native issues (80% open, a third
# assigned to the admin, half labelled; titles from ten areas, one of them $word);
# checks the counts and that the full-text index matched $word (sets n_fts).
bench_seed_issues() {
    # Timestamps in the store's format (fixed-width RFC 3339 UTC, milliseconds); issue i
    # was created (rows - i) minutes ago, so id order is time order. Each r_* is a
    # Fibonacci-style hash of i scaled to 0..k-1 (deterministic, uniform, and not
    # correlated with the project, which is i mod 20). \$ is a literal $ (JSON paths).
    sqlite3 "$data/aiops.db" <<SQL || return
PRAGMA busy_timeout = 5000;
BEGIN;
INSERT INTO tenants (slug, name, color, description, created_at, updated_at)
VALUES ('bench', 'Bench', '#1e90ff', 'generated by scripts/bench/issues.sh',
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-100 days'),
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-100 days'));
INSERT INTO tenant_members (tenant_id, user_id, added_at)
SELECT t.id, u.id, t.created_at FROM tenants t, users u
WHERE t.slug = 'bench' AND u.email = '$admin_email';
WITH RECURSIVE n(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM n WHERE j < $projects)
INSERT INTO projects (tenant_id, slug, name, repo_url, default_branch, created_at, updated_at)
SELECT t.id, printf('proj-%02d', j), printf('Project %02d', j),
       printf('https://git.example.com/bench/proj-%02d.git', j), 'main',
       t.created_at, t.created_at
FROM n, tenants t WHERE t.slug = 'bench' ORDER BY j;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows),
g AS (
    SELECT i,
           (SELECT min(p.id) FROM projects p JOIN tenants t ON t.id = p.tenant_id
            WHERE t.slug = 'bench') + (i - 1) % $projects AS project_id,
           (i - 1) / $projects + 1 AS num,
           ($rows - i) * 60 AS age,
           ((i * 2654435761) % 4294967296) * 100 / 4294967296 AS r_status,
           ((i * 2246822519) % 4294967296) * 3 / 4294967296 AS r_assignee,
           ((i * 3266489917) % 4294967296) * 10 / 4294967296 AS r_area,
           ((i * 668265263) % 4294967296) * 8 / 4294967296 AS r_problem,
           ((i * 374761393) % 4294967296) * 6 / 4294967296 AS r_context,
           ((i * 2869860233) % 4294967296) * 5 / 4294967296 AS r_team,
           ((i * 1597334677) % 4294967296) * 5 / 4294967296 AS r_part
    FROM n),
w AS (
    SELECT g.*,
           CASE WHEN r_status < 80 THEN 'open' ELSE 'closed' END AS status,
           strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || age || ' seconds') AS created,
           strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (age / 2) || ' seconds') AS closed,
           json_extract('["Login", "Dashboard", "Scheduler", "Webhook", "Exporter",
                          "Terminal", "Sidebar", "Migration", "Billing", "Notifications"]',
                        '\$[' || r_area || ']') AS area,
           json_extract('["crashes", "hangs", "leaks memory", "times out", "renders blank",
                          "returns 500", "loses focus", "double-counts"]',
                        '\$[' || r_problem || ']') AS problem,
           json_extract('["after upgrade", "on Safari", "under load", "with many tabs",
                          "on first run", "behind a proxy"]',
                        '\$[' || r_context || ']') AS context,
           json_extract('["ops", "payments", "mobile", "infra", "growth"]',
                        '\$[' || r_team || ']') AS team,
           json_extract('["worker", "cache", "queue", "database", "gateway"]',
                        '\$[' || r_part || ']') AS part
    FROM g)
INSERT INTO issues (project_id, provider, external_id, number, title, description, status,
                    provider_status, assignee, author, created_at, updated_at, closed_at)
SELECT project_id, 'native', '#' || num, num,
       area || ' ' || problem || ' ' || context,
       'Reported by the ' || team || ' team on build ' || (1000 + i % 900) ||
       '. Steps: open it, wait a minute, then read the ' || part || ' logs; the ' ||
       part || ' shows the error every time.',
       status, status,
       CASE WHEN r_assignee = 0 THEN '$admin_email' END, '$admin_email',
       created,
       CASE status WHEN 'closed' THEN closed ELSE created END,
       CASE status WHEN 'closed' THEN closed END
FROM w ORDER BY i;

-- Labels on half the issues: r < 25 bug; 25-34 bug + ui; 35-44 backend; 45-49
-- backend + ui.
WITH r AS (SELECT i.id, ((i.id * 1181783497) % 4294967296) * 100 / 4294967296 AS r
           FROM issues i JOIN projects p ON p.id = i.project_id
           JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'bench')
INSERT INTO issue_labels (issue_id, label)
SELECT id, 'bug' FROM r WHERE r < 35
UNION ALL SELECT id, 'ui' FROM r WHERE r BETWEEN 25 AND 34 OR r BETWEEN 45 AND 49
UNION ALL SELECT id, 'backend' FROM r WHERE r BETWEEN 35 AND 49;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
    local counts fts
    counts=$(sqlite3 "$data/aiops.db" "SELECT
        (SELECT count(*) FROM issues), (SELECT count(*) FROM issues WHERE status = 'open'),
        (SELECT count(*) FROM issues WHERE assignee IS NOT NULL),
        (SELECT count(DISTINCT issue_id) FROM issue_labels),
        (SELECT count(*) FROM issue_labels WHERE label = 'bug'),
        (SELECT count(DISTINCT project_id) FROM issues)") || return
    fts=$(sqlite3 "$data/aiops.db" \
        "SELECT count(*) FROM issues_fts WHERE issues_fts MATCH '$word'") || return
    IFS='|' read -r n_issues n_open n_assigned n_labelled n_bug n_projects <<<"$counts"
    echo "issues: $n_issues in $n_projects projects; open: $n_open; assigned: $n_assigned;" \
        "labelled: $n_labelled (bug: $n_bug); FTS matches for '$word': $fts"
    ((n_issues == rows && n_projects == projects)) || {
        echo "expected $rows issues in $projects projects" >&2
        return 1
    }
    ((fts > 0)) || {
        echo "the full-text index has no match for '$word': the FTS triggers did not fill it" >&2
        return 1
    }
    n_fts=$fts
}

# bench_seed_audit ROWS: ROWS audit_log rows with ONE sqlite3 INSERT … WITH RECURSIVE before
# the server starts (the API has no bulk endpoint for audit rows, and single writes would
# measure the seeding). Timestamps in the store's format, one second apart and ending
# now, so id order is time order as in a real log.
bench_seed_audit() {
    local n=$1
    sqlite3 "$data/aiops.db" <<SQL || return
PRAGMA busy_timeout = 5000;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n)
INSERT INTO audit_log (at, actor_user_id, actor, action, target_type, target_id, ip, detail)
SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || ($n - i) || ' seconds'),
       1, '$admin_email',
       CASE i % 4 WHEN 0 THEN 'tenant.create' WHEN 1 THEN 'project.update'
                  WHEN 2 THEN 'auth.login' ELSE 'apikey.create' END,
       CASE i % 2 WHEN 0 THEN 'tenant' ELSE 'project' END,
       CAST(i % 1000 AS TEXT), '127.0.0.1', json_object('seq', i)
FROM n;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
    echo "audit_log rows: $(sqlite3 "$data/aiops.db" 'SELECT count(*) FROM audit_log')"
}
