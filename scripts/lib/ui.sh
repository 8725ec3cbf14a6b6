# shellcheck shell=bash
# The web UI's build steps, shared by scripts/test and scripts/run (sourced, not run).

# The UI's packages at the versions of ui/package-lock.json, only when the lock changed
# since the last install. `npm install`, not `npm ci`: npm 11's `ci` refuses a lock that
# lists rollup's optional native packages only for the platform it was made on
# (npm/cli#4828); `install` follows the lock and adds this platform's one. The lock must
# come out unchanged, as `ci` would insist.
ui_install() {
    local stamp=ui/node_modules/.aiops-lock before
    if cmp -s ui/package-lock.json "$stamp" 2>/dev/null; then
        echo "ui/node_modules matches ui/package-lock.json"
        return
    fi
    before=$(mktemp)
    cp ui/package-lock.json "$before"
    npm install --prefix ui --no-audit --no-fund || return
    if ! cmp -s ui/package-lock.json "$before"; then
        echo "ui/package-lock.json does not match ui/package.json: run npm install in ui/ and commit the lock" >&2
        rm -f "$before"
        return 1
    fi
    rm -f "$before"
    cp ui/package-lock.json "$stamp"
}

# ui/dist from the sources: what `aiops serve` hands out (and a release build embeds).
ui_build() {
    ui_install && npm --prefix ui run --silent build
}
