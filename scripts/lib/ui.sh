# shellcheck shell=bash
# The web UI's build steps, shared by scripts/test and scripts/run (sourced, not run).

# The UI's packages exactly as ui/package-lock.json lists them (`npm ci`), only when the
# lock changed since the last install. The lock names every platform's optional native
# package (rollup's, esbuild's), so `npm ci` finds this platform's entry; a lock made
# from an existing node_modules can miss them, and then `npm ci` refuses it — run
# `rm -rf ui/node_modules && npm install --prefix ui` and commit the lock.
ui_install() {
    local stamp=ui/node_modules/.aiops-lock
    if cmp -s ui/package-lock.json "$stamp" 2>/dev/null; then
        echo "ui/node_modules matches ui/package-lock.json"
        return
    fi
    npm ci --prefix ui --no-audit --no-fund || return
    cp ui/package-lock.json "$stamp"
}

# ui/dist from the sources: what `aiops serve` hands out (and a release build embeds).
ui_build() {
    ui_install && npm --prefix ui run --silent build
}

# True when ui/dist is newer than every UI source. Rebuilding anyway gives ui/dist new
# file times, which recompiles the release binary that embeds them (~6 min on 2 cores).
ui_current() {
    [[ -f ui/dist/index.html ]] &&
        [[ -z $(find ui/src ui/index.html ui/package.json ui/package-lock.json ui/vite.config.ts \
            ui/svelte.config.js ui/tsconfig.json -newer ui/dist/index.html -print -quit) ]]
}
