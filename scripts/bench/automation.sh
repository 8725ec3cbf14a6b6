#!/usr/bin/env bash
# Benchmark (never a test) of local automation runs. Measures
#   - the overhead of a run of a no-op playbook through aiops (POST /automation/runs,
#     the job, the sandbox, the log stream to its `end` event) against the same
#     `ansible-playbook` run directly: median and max of --count runs each;
#   - log latency: a playbook prints 200 timestamps (one loop item each, taken when the
#     item runs); a Python SSE client notes when each arrives on
#     GET /automation/runs/{id}/log. p50/p99 of arrival - timestamp.
# Prints a markdown table for the README's Performance section.
#
# The server is the release server-only build on a loopback port; the admin's base
# clone of the bench project is made with git directly (a session would make it). Needs
# ansible-playbook, curl, jq, python3 (scripts/install-deps installs them).
#
#   scripts/bench/automation.sh [--count N]
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=scripts/lib/bench.sh
source "$AIOPS_ROOT/scripts/lib/bench.sh"

count=10
bench_count_args "$@"
bench_need ansible-playbook curl jq python3
bench_workdir

step "build release server" bench_build
step "create admin and API key" bench_create_admin

seed() {
    local seed="$work/seed"
    git init --quiet --bare --initial-branch=main "$work/demo.git" &&
        git init --quiet --initial-branch=main "$seed" || return
    cat >"$seed/noop.yml" <<'EOF'
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: nothing
      meta: noop
EOF
    cat >"$seed/ticks.yml" <<'EOF'
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: print when each item runs
      debug:
        msg: "tick {{ lookup('pipe', 'date +%s%N') }}"
      loop: "{{ range(200) | list }}"
EOF
    git -C "$seed" add . &&
        git -C "$seed" -c user.name=bench -c user.email=bench@example.com commit --quiet -m seed &&
        git -C "$seed" push --quiet "$work/demo.git" main
}
step "seed a repository with two playbooks" seed
step "start aiops serve on a loopback port" bench_start_server

post() { # POST JSON to a path with the key; prints the answer
    curl -fsS --max-time 10 -H "Authorization: Bearer $key" -H 'content-type: application/json' \
        -d "$2" "$base$1"
}

setup() {
    post /api/v1/tenants '{"name":"bench"}' >/dev/null &&
        post /api/v1/projects "{\"tenant\":\"bench\",\"name\":\"demo\",\"repo_url\":\"$work/demo.git\"}" >/dev/null &&
        target=$(post /api/v1/automation/targets \
            '{"tenant":"bench","name":"local","kind":"local","inventory":"localhost,"}' | jq -r .id) || return
    # The admin's base clone, where a run without a session reads its playbook.
    local uid
    uid=$(api /api/v1/auth/me | jq -r .user.id) || return
    git clone --quiet "$work/demo.git" "$data/workspaces/$uid/bench/demo/repo"
}
step "tenant, project, local target, base clone" setup

now_us() { date +%s%6N; }

# run_through_aiops PLAYBOOK: one run, queued and followed on the log stream to its end;
# prints the run's JSON.
run_through_aiops() {
    local run id
    run=$(post /api/v1/automation/runs \
        "{\"target\":$target,\"playbook\":\"$1\",\"project\":\"bench/demo\"}") || return
    id=$(jq -r .id <<<"$run")
    curl -fsS -N --max-time 300 -H "Authorization: Bearer $key" \
        "$base/api/v1/automation/runs/$id/log" | sed -n '/^event: end/{n;s/^data: //p;q}'
}

direct=()
through=()
measure_overhead() {
    local i t0 t1 clone="$work/clone" state
    git clone --quiet "$work/demo.git" "$clone" || return
    for ((i = 0; i < count; i++)); do
        t0=$(now_us)
        (cd "$clone" && ANSIBLE_NOCOLOR=1 ansible-playbook -i localhost, noop.yml >/dev/null) || return
        t1=$(now_us)
        direct+=($((t1 - t0)))
        t0=$(now_us)
        state=$(run_through_aiops noop.yml | jq -r .state) || return
        t1=$(now_us)
        [[ $state == succeeded ]] || {
            echo "a run through aiops ended $state" >&2
            return 1
        }
        through+=($((t1 - t0)))
    done
    read -r direct_med direct_max <<<"$(printf '%s\n' "${direct[@]}" | bench_median_max)"
    read -r through_med through_max <<<"$(printf '%s\n' "${through[@]}" | bench_median_max)"
    overhead=$(awk -v a="$through_med" -v b="$direct_med" 'BEGIN { printf "%.1f", a - b }')
    echo "direct: median $direct_med ms, max $direct_max ms"
    echo "through aiops: median $through_med ms, max $through_max ms (overhead $overhead ms)"
}
step "no-op playbook: $count runs directly and through aiops" measure_overhead

measure_latency() {
    local run id
    run=$(post /api/v1/automation/runs \
        "{\"target\":$target,\"playbook\":\"ticks.yml\",\"project\":\"bench/demo\"}") || return
    id=$(jq -r .id <<<"$run")
    read -r lat_n lat_p50 lat_p99 < <(python3 - "$base/api/v1/automation/runs/$id/log" "$key" <<'EOF'
import json, re, sys, time, urllib.request
url, key = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url, headers={"Authorization": "Bearer " + key})
lat, event = [], None
with urllib.request.urlopen(req, timeout=300) as resp:
    for raw in resp:
        now = time.time_ns()
        line = raw.decode().rstrip("\n")
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:") and event == "output":
            text = json.loads(line[5:])["text"]
            lat += [(now - int(t)) / 1e6 for t in re.findall(r"tick (\d{19})", text)]
        elif line.startswith("data:") and event == "end":
            break
lat.sort()
pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(len(lat), f"{pick(0.5):.1f}", f"{pick(0.99):.1f}")
EOF
    ) || return
    echo "log latency over $lat_n lines: p50 $lat_p50 ms, p99 $lat_p99 ms"
    [[ $lat_n == 200 ]] || {
        echo "expected 200 ticks on the stream, saw $lat_n" >&2
        return 1
    }
}
step "log latency: 200 lines, written → on the SSE stream" measure_latency

cat <<EOF

## Automation: local runs ($count runs each)

$(nproc) cores, $(uname -m), release build, $(ansible-playbook --version 2>/dev/null | sed -n 1p).

| | median | max |
|---|---:|---:|
| \`ansible-playbook\` of a no-op playbook, directly | ${direct_med} ms | ${direct_max} ms |
| the same through aiops (queue, sandbox, log stream to \`end\`) | ${through_med} ms | ${through_max} ms |
| overhead | ${overhead} ms | |

| log latency, line written → on \`GET /automation/runs/{id}/log\` (${lat_n} lines) | p50 | p99 |
|---|---:|---:|
| local run, one \`debug\` loop item per line | ${lat_p50} ms | ${lat_p99} ms |
EOF
