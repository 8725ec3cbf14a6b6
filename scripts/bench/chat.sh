#!/usr/bin/env bash
# Benchmark (never a test) of the chat bots (issue 18): message in → the bot's reply and
# its first edit carrying the answer, p50/p99, with a fake model that answers at once,
# for --count messages (default 100) over 10 group chats, each chat sending its next
# message when the previous one was answered (10 in flight).
#
# How: the release server-only build on a loopback port with an admin; the driver
# tests/fakes/examples/chat.rs serves a fake Telegram Bot API and a fake Ollama, and once
# the bot polls it sends the messages and times the replies (polling the fake's state
# every 0.5 ms). The bot is made with `aiops telegram create … --api-url` and answers
# with `--answer ollama`. Prints a markdown table for the README's Performance section.
#
#   scripts/bench/chat.sh [--count N]
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=scripts/lib/bench.sh
source "$AIOPS_ROOT/scripts/lib/bench.sh"

count=100
bench_count_args "$@"
bench_need curl node
bench_workdir
driver_pid=
trap '[[ -n $driver_pid ]] && kill "$driver_pid" 2>/dev/null; bench_cleanup' EXIT

token="5550009999:AAbenchTOKENbenchTOKENbenchTOKEN99"
chats=10

build_driver() {
    cargo build --quiet --release -p aiops-fakes --example chat &&
        driver_bin="${CARGO_TARGET_DIR:-$AIOPS_ROOT/target}/release/examples/chat"
}
start_driver() {
    "$driver_bin" --token "$token" --chats "$chats" --messages "$count" \
        >"$work/driver.out" 2>"$work/driver.err" &
    driver_pid=$!
    local deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)); do
        if [[ $(wc -l <"$work/driver.out") -ge 2 ]]; then
            telegram_url=$(sed -n 1p "$work/driver.out")
            ollama_url=$(sed -n 2p "$work/driver.out")
            return 0
        fi
        sleep 0.05
    done
    echo "the fake chat services did not start" >&2
    return 1
}

cli() { AIOPS_URL=$base AIOPS_API_KEY=$key AIOPS_CONFIG_DIR=$work/cli timeout 60 "$bin" "$@"; }

create_bot() {
    local allow=() c
    for ((c = 1; c <= chats; c++)); do allow+=(--allow-chat "-$((1000 + c))"); done
    cli tenants create --name bench >/dev/null &&
        cli telegram create --tenant bench --name bench --token-stdin --api-url "$telegram_url" \
            "${allow[@]}" --answer ollama --ollama-url "$ollama_url" --model bench \
            <<<"$token" >/dev/null
}

result=''
wait_driver() {
    wait "$driver_pid"
    driver_pid=
    result=$(tail -n 1 "$work/driver.out")
    [[ $result == '{'* ]] || {
        echo "the driver printed no result; its stderr:" >&2
        tail -n 20 "$work/driver.err" >&2
        return 1
    }
}

step "build release server" bench_build
step "build the driver (fake Telegram and Ollama)" build_driver
step "start the fake chat services" start_driver
step "create admin and API key" bench_create_admin
# The bot's long poll returns at once when an update comes; its wait bounds shutdown.
export AIOPS_CHAT_POLL_WAIT_SECS=5
step "start aiops serve on a loopback port" bench_start_server
step "create the Telegram bot of tenant bench" create_bot
step "send $count messages over $chats chats and time the replies" wait_driver
field() { node -e 'const r = JSON.parse(process.argv[1]); const v = process.argv[2].split(".").reduce((o, k) => o[k], r); console.log(Number.isInteger(v) ? v : v.toFixed(1))' "$result" "$1"; }

cat <<EOF

## Chat bots

$(nproc) cores, $(uname -m), loopback, release build; a fake Telegram Bot API and a fake
Ollama that streams its answer at once; $(field messages) messages over $(field chats) group
chats, $(field chats) in flight.

| measure | result |
|---|---:|
| message in → the bot's reply sent, p50 / p99 | $(field reply_ms.p50) / $(field reply_ms.p99) ms |
| message in → the reply shows the answer, p50 / p99 | $(field answer_ms.p50) / $(field answer_ms.p99) ms |
| message in → the reply shows the answer, max | $(field answer_ms.max) ms |
| messages answered per second | $(field messages_per_s) |
EOF
