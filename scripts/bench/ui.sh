#!/usr/bin/env bash
# Benchmark (never a test) of the web UI (issue 6 targets), in Debian's chromium:
#   1. keystroke-to-glyph latency in the browser terminal: key press → WebSocket (in its
#      worker) → PTY → tmux → shell echo → back → the character in xterm.js's buffer, then
#      the animation frame that draws it, from the keydown event, --trials keys (default
#      60, ≥ 40): p50 and p95 (and the p50 of each stage); target p50 ≤ 20 ms;
#   2. inbox first paint with 100,000 issues: navigation start → first row drawn, 5 loads;
#   3. the JS bundle: gzipped bytes of ui/dist/assets/*.js, the lazily loaded terminal
#      chunk (xterm.js) apart; target ≤ 400 kB gzipped without xterm; and without and
#      with the highlighter chunk (highlight.js, loaded with the first diff);
#   4. (issue 20) the Changes panel's time to render a 5,000-line diff over 50 files
#      (target ≤ 300 ms), and the inbox's event-to-row latency (a title changed through
#      the API → the row replaced by the streamed `issue.updated`), --trials changes.
# Prints markdown tables for the README's Performance section.
#
# How: builds the UI and the release server-only binary (which embeds it); a temp data
# dir with an admin; 100k issues seeded with sqlite3 (scripts/lib/bench.sh); `aiops serve`
# on a loopback port; a project on a local bare repository with a `shell` session; then
# scripts/bench/ui-measure.cjs drives chromium.
#
# Bounded: every wait has a deadline; only loopback; the server, its tmux server and the
# temp dir go on exit. Needs chromium, sqlite3, git, tmux, curl, node.
#
#   scripts/bench/ui.sh [--trials N]
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=scripts/lib/bench.sh
source "$AIOPS_ROOT/scripts/lib/bench.sh"
# shellcheck source=scripts/lib/ui.sh
source "$AIOPS_ROOT/scripts/lib/ui.sh"

trials=60
while (($#)); do
    case $1 in
    --trials)
        [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || {
            echo "usage: scripts/bench/${0##*/} [--trials N]" >&2
            exit 2
        }
        trials=$2
        shift 2
        ;;
    *)
        echo "usage: scripts/bench/${0##*/} [--trials N]" >&2
        exit 2
        ;;
    esac
done
bench_need chromium sqlite3 git tmux curl node
bench_workdir
trap 'tmux -S "$data/tmux.sock" kill-server 2>/dev/null || true; bench_cleanup' EXIT

rows=100000 projects=20 word=scheduler
admin_password="bench-ui-password-$RANDOM$RANDOM"
step "build the web UI" ui_build
step "build release server (embeds the UI)" bench_build
step "create admin and API key" bench_create_admin
step "seed $rows issues (sqlite3, before the server starts)" bench_seed_issues
step "make a local bare repository" bench_seed_repo
step "start aiops serve on a loopback port" bench_start_server

cli() { AIOPS_URL=$base AIOPS_API_KEY=$key AIOPS_CONFIG_DIR=$work/cli timeout 30 "$bin" "$@"; }
session=''
start_session() {
    cli projects create --tenant bench --name demo --repo-url "$work/demo.git" >/dev/null || return
    local issue
    issue=$(cli -o json issues create --tenant bench --project demo --title "Bench terminal" |
        sed -n 's/^  "id": \([0-9]*\),$/\1/p') || return
    session=$(cli -o json issues work "$issue" --tool shell | sed -n 's/^  "id": \([0-9]*\),$/\1/p' | head -n 1)
    [[ -n $session ]]
}
step "start a shell session" start_session

# A second session whose worktree has $changed_files new Python files of $changed_lines
# lines each: the Changes panel's load.
changed_files=50 changed_lines=100 changes_session=''
seed_changes() {
    local issue json wt f j
    issue=$(cli -o json issues create --tenant bench --project demo --title "Bench changes" |
        sed -n 's/^  "id": \([0-9]*\),$/\1/p') || return
    json=$(cli -o json issues work "$issue" --tool shell) || return
    changes_session=$(sed -n 's/^  "id": \([0-9]*\),$/\1/p' <<<"$json" | head -n 1)
    wt=$(sed -n 's/^ *"worktree_path": "\(.*\)",$/\1/p' <<<"$json" | head -n 1)
    [[ -n $changes_session && -d $wt ]] || return
    mkdir -p "$wt/src"
    for ((f = 1; f <= changed_files; f++)); do
        for ((j = 1; j <= changed_lines / 2; j++)); do
            printf 'def step_%d_%d(value):\n    return value * %d + len("step %d")\n' "$f" "$j" "$j" "$f"
        done >"$wt/src/module_$f.py"
    done
}
step "seed $changed_files changed files of $changed_lines lines in a second session" seed_changes

result=''
measure() {
    result=$(AIOPS_URL=$base AIOPS_EMAIL=$admin_email AIOPS_PASSWORD=$admin_password \
        AIOPS_SESSION=$session AIOPS_TRIALS=$trials AIOPS_CHANGES_SESSION=$changes_session \
        AIOPS_CHANGES_FILES=$changed_files timeout 600 node scripts/bench/ui-measure.cjs)
}
step "measure in chromium ($trials keys)" measure
field() { node -e 'const r = JSON.parse(process.argv[1]); const v = process.argv[2].split(".").reduce((o, k) => o[k], r); console.log(Number.isInteger(v) ? v : v.toFixed(1))' "$result" "$1"; }

bundle_rows='' main_total=0 highlighter=0
for f in ui/dist/assets/*.js; do
    gz=$(gzip -9c "$f" | wc -c)
    name=${f##*/}
    if [[ $name == Terminal-* ]]; then
        bundle_rows+="| \`$name\` (terminal, xterm.js; loaded on the session page) | $((gz / 1024)) kB |"$'\n'
    elif [[ $name == languages-* ]]; then
        highlighter=$gz
        bundle_rows+="| \`$name\` (highlight.js; loaded with the first diff) | $((gz / 1024)) kB |"$'\n'
    else
        main_total=$((main_total + gz))
        bundle_rows+="| \`$name\` | $((gz / 1024)) kB |"$'\n'
    fi
done

cat <<EOF

## Web UI

$(nproc) cores, $(uname -m), $(chromium --version 2>/dev/null | head -n 1), loopback, release build.

| measure | result |
|---|---:|
| keystroke → glyph drawn in the browser terminal, p50 ($(field keystroke_ms.trials) keys) | $(field keystroke_ms.p50) ms |
| keystroke → glyph drawn, p95 | $(field keystroke_ms.p95) ms |
| keystroke → glyph drawn, max | $(field keystroke_ms.max) ms |
| keystroke → the key's bytes handed to the terminal socket's worker, p50 | $(field keystroke_ms.sent_p50) ms |
| keystroke → the echo's first frame back on the page, p50 | $(field keystroke_ms.recv_p50) ms |
| keystroke → echo in xterm.js's buffer, p50 / p95 | $(field keystroke_ms.buffer_p50) / $(field keystroke_ms.buffer_p95) ms |
| inbox first paint with $rows issues, median of 5 | $(field first_paint_ms.median) ms |
| inbox first paint, max | $(field first_paint_ms.max) ms |
| Changes panel, $changed_files files of $changed_lines lines ($((changed_files * changed_lines)) lines; $(field changes_ms.lines_drawn) drawn on the first screen, the rest as they near it): \`/changes\` answered → drawn, median of 5 | $(field changes_ms.render_median) ms |
| Changes panel: the same, max | $(field changes_ms.render_max) ms |
| Changes panel: navigation start → drawn, median | $(field changes_ms.drawn_median) ms |
| Changes panel: navigation start → first highlighted line, median | $(field changes_ms.highlighted_median) ms |
| inbox: title change answered → its row replaced by the \`issue.updated\` event, p50 ($(field inbox_event_ms.trials) changes) | $(field inbox_event_ms.p50) ms |
| inbox: the same, p95 | $(field inbox_event_ms.p95) ms |
| inbox: title change sent → row replaced, p50 | $(field inbox_event_ms.write_p50) ms |

| JS bundle (gzip -9) | size |
|---|---:|
${bundle_rows}| everything but the terminal and highlighter chunks | $((main_total / 1024)) kB |
| the same with the highlighter | $(((main_total + highlighter) / 1024)) kB |
EOF
