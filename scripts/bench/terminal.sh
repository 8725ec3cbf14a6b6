#!/usr/bin/env bash
# Benchmark (never a test) of the terminal WebSocket: keystroke-echo latency through
# server → PTY → `tmux attach` → the pane's program (`cat` or an idle shell) and back, on
# loopback. N keystrokes (default 1000) are typed one at a time, each after the previous
# one's echo, by the client in crates/aiops-server/examples/terminal_echo.rs (TCP_NODELAY,
# acks every frame); 20 untimed warm-up keys first. Prints a markdown table (p50, p90,
# p99, max, mean) for the README's Performance section.
#
# Needs a running server and a session whose pane runs `cat` or an idle shell:
#   AIOPS_URL      http://127.0.0.1:PORT (plain http: the client speaks ws://, not wss://)
#   AIOPS_API_KEY  a key of the session's owner (others get a read-only attach, which
#                  drops keystrokes)
#   --session ID   the session to type into
# The typed line is erased (^U) at the end; nothing is submitted to the program.
#
# TODO(issue 4): once `aiops sessions start --project P --tool shell` exists, make the
# arguments optional: build the release server, create an admin, a project and a key,
# start `aiops serve` and a shell session (scripts/lib/bench.sh has the server steps),
# then measure and clean up, as scripts/bench/issues.sh does.
#
# Bounded: each keystroke's echo has a 5 s deadline and the whole run a 10 min timeout.
#
#   scripts/bench/terminal.sh --session ID [--count N]
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

usage() {
    echo "usage: AIOPS_URL=http://… AIOPS_API_KEY=aiops_… scripts/bench/${0##*/} --session ID [--count N]" >&2
    exit 2
}

session=
count=1000
while (($#)); do
    case $1 in
    --session)
        [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage
        session=$2
        shift 2
        ;;
    --count)
        [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage
        count=$2
        shift 2
        ;;
    *) usage ;;
    esac
done
[[ -n $session && -n ${AIOPS_URL:-} && -n ${AIOPS_API_KEY:-} ]] || usage
[[ $AIOPS_URL == http://* ]] || {
    echo "${0##*/}: AIOPS_URL must be http://… (loopback; the client has no TLS)" >&2
    exit 2
}
url="ws://${AIOPS_URL#http://}"
url="${url%/}/api/v1/sessions/$session/terminal"

step "build the echo client (release)" \
    cargo build --release -p aiops-server --example terminal_echo

measure() {
    table=$(timeout 600 "$CARGO_TARGET_DIR/release/examples/terminal_echo" "$url" "$count")
}
step "type $count keys into session $session, one at a time" measure

cat <<EOF

## Terminal: keystroke echo over the WebSocket

$(nproc) cores, $(uname -m), $(tmux -V), loopback, release build; one key at a time through
server → PTY → tmux attach → pane → back.

$table
EOF
