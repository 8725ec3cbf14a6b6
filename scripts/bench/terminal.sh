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
#   3. Both again for sessions on a session host over SSH (issue 23): a real sshd on a
#      loopback port with its own host key (the same machine; as root the account
#      `aiops-host`, else this user; its own root and tmux server), `issues work --host
#      build-1`: every runtime call is a channel of one shared SSH connection to `aiops
#      host-runtime`, and the terminal goes server → ssh -t → the host's tmux attach.
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
bench_need git tmux curl bwrap ssh ssh-keygen /usr/sbin/sshd python3
bench_workdir
# The sessions outlive the server by design: stop this data dir's own tmux server too.
sshd_pid=''
trap 'tmux -S "$data/tmux.sock" kill-server 2>/dev/null || true
      tmux -S "$work/host-root/tmux.sock" kill-server 2>/dev/null || true
      # sshd serves each connection in its own processes (the shared control-master one
      # among them), which outlive the listener.
      if [[ -n $sshd_pid ]]; then
          for p in $(pgrep -P "$sshd_pid"); do pkill -KILL -P "$p" || true; kill -KILL "$p" || true; done
          kill "$sshd_pid" 2>/dev/null || true
      fi
      bench_cleanup' EXIT

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
    for i in $(seq 0 32); do
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

# A session host: sshd on a loopback port, logged in to with a key aiops holds. Run as
# root, the host's account is `aiops-host` (made when missing: /bin/sh, no rc files), as
# a dedicated account on a build box would be: the login shell's rc files run on every
# runtime call (root's here cost ~130 ms per call with pyenv in ~/.bashrc).
host_user=$(id -un)
host_account() {
    [[ $(id -u) == 0 ]] || return 0
    host_user=aiops-host
    id -u "$host_user" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$host_user" || return
    usermod --password '*' "$host_user" || return # no password, but not locked for sshd
    local home
    home=$(getent passwd "$host_user" | cut -d: -f6)
    # The bench's origin is on this disk, owned by root: trusted as a remote would be.
    printf '[safe]\n\tdirectory = *\n' >"$home/.gitconfig" && chown "$host_user:" "$home/.gitconfig" &&
        chmod 755 "$work" && chmod -R a+rwX "$work/demo.git" &&
        mkdir -p "$work/host-root" && chown "$host_user:" "$work/host-root"
}
host_setup() {
    host_account || return
    mkdir -p /run/sshd "$work/sshd" &&
        ssh-keygen -q -t ed25519 -N '' -f "$work/sshd/host_key" &&
        ssh-keygen -q -t ed25519 -N '' -f "$work/sshd/login" &&
        cp "$work/sshd/login.pub" "$work/sshd/authorized_keys" || return
    host_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$work/sshd/config" <<CONF
Port $host_port
ListenAddress 127.0.0.1
HostKey $work/sshd/host_key
AuthorizedKeysFile $work/sshd/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PidFile $work/sshd/pid
CONF
    /usr/sbin/sshd -D -e -f "$work/sshd/config" 2>"$work/sshd/log" &
    sshd_pid=$!
    local i
    for i in $(seq 1 200); do
        grep -q "Server listening" "$work/sshd/log" && break
        sleep 0.05
    done
    cli ssh-keys add --name host --private-key-file "$work/sshd/login" >/dev/null &&
        cli hosts add build-1 --ssh "$host_user@127.0.0.1:$host_port" --root "$work/host-root" \
            --capacity 20 >/dev/null || return
    cli hosts test build-1 >/dev/null 2>&1 || true # first contact: the key to confirm
    cli known-hosts confirm "[127.0.0.1]:$host_port" \
        "$(ssh-keygen -lf "$work/sshd/host_key.pub" | awk '{print $2}')" >/dev/null &&
        cli hosts test build-1 >/dev/null
}
step "start a session host (sshd on loopback) and add it" host_setup

declare -a host_ms=()
host_id=''
time_host_work() {
    local i start end
    work "${issues[21]}" --host build-1 >/dev/null || return # cold: binary copy, clone
    for i in $(seq 22 31); do
        start=$(date +%s%N)
        host_id=$(work "${issues[$i]}" --host build-1) || return
        end=$(date +%s%N)
        host_ms+=("$(((end - start) / 1000))")
    done
    cli sessions get "$host_id" | grep -q 'host.*build-1' || {
        echo "session $host_id is not on build-1" >&2
        return 1
    }
}
step "time aiops issues work on the session host (10 runs, warm clone)" time_host_work
read -r host_median host_max < <(printf '%s\n' "${host_ms[@]}" | bench_median_max)
measure_host() { table_host=$(echo_table "$host_id"); }
step "type $count keys into a session on the host, one at a time" measure_host

cat <<EOF

## Sessions

$(nproc) cores, $(uname -m), $(tmux -V), $(git --version), loopback, release build.

| \`aiops issues work\` to a live pane (warm clone, 10 runs each) | median | max |
|---|---:|---:|
| sandboxed (bubblewrap) | ${on_median} ms | ${on_max} ms |
| unsandboxed (\`--no-sandbox\`) | ${off_median} ms | ${off_max} ms |
| on a session host over SSH (loopback, sandboxed) | ${host_median} ms | ${host_max} ms |

Keystroke echo over the terminal WebSocket (server → PTY → tmux attach → shell → back),
sandboxed session:

$table_on

The same, unsandboxed session:

$table_off

The same, a sandboxed session on the session host (server → \`ssh -t\` → the host's
tmux attach → shell → back):

$table_host
EOF
