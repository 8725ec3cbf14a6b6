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

# bench_create_admin: the admin $admin_email and an API key with read,write,admin in $key.
# `aiops admin create-admin` also creates the database and its schema.
bench_create_admin() {
    printf 'bench-password-%s\n' "$RANDOM$RANDOM" |
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
