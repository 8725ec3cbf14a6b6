#!/usr/bin/env bash
# Benchmark (never a test) of the desktop's SSH terminal: keystroke-echo latency through
# the transport the app uses for a remote server (aiops_exec::attach::ssh: ssh2 with one
# poll thread per terminal), measured by crates/aiops-exec/examples/ssh_echo.rs against a
# throwaway sshd on a free loopback port and a private tmux session running `cat`: N keys
# (default 200) typed one at a time after 20 untimed ones, each timed until its echo
# reaches the screen (client → sshd → PTY → tmux attach → tmux → cat → back), every chunk
# acked. Prints a markdown table (p50/p90/p99/max/mean in ms). scripts/bench/desktop.sh
# calls it.
#
# Bounded: sshd start 20 s, each echo 5 s, the whole run 10 min; only loopback; sshd,
# the tmux server and the temp dir go when it ends. Needs sshd, ssh-keygen and tmux
# (scripts/install-deps) and a user sshd lets in with a key (root on the CI machines).
#
#   scripts/bench/desktop-ssh.sh [--count N] [--debug]
#
# --debug: the dev profile instead of a release build (quicker to build; libssh2's C code
# then runs unoptimised, so the numbers are an upper bound).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=scripts/lib/bench.sh
source "$AIOPS_ROOT/scripts/lib/bench.sh"

usage() {
    echo "usage: scripts/bench/${0##*/} [--count N] [--debug]" >&2
    exit 2
}
count=200
profile=(--release)
profile_dir=release
while (($#)); do
    case $1 in
    --count)
        [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage
        count=$2
        shift 2
        ;;
    --debug)
        profile=()
        profile_dir=debug
        shift
        ;;
    *) usage ;;
    esac
done
bench_need tmux ssh-keygen
[[ -x /usr/sbin/sshd ]] || {
    echo "${0##*/}: /usr/sbin/sshd not found; run scripts/install-deps" >&2
    exit 1
}

build() {
    cargo build "${profile[@]}" -p aiops-exec --features ssh --example ssh_echo
}
step "build the echo client ($profile_dir)" build

measure() {
    table=$(timeout 600 "$CARGO_TARGET_DIR/$profile_dir/examples/ssh_echo" "$count")
}
step "type $count keys over SSH, one at a time" measure

cat <<EOT

## Desktop terminal over SSH

$(nproc) cores, $(uname -m), $(tmux -V), $(/usr/sbin/sshd -V 2>&1 | head -n 1), loopback, $profile_dir build.

Keystroke echo through the SSH transport (client → sshd → PTY → tmux attach → tmux → cat → back):

$table
EOT
