# shellcheck shell=bash
# The real agent CLIs that the e2e tests (src-tauri/tests/e2e/agents_real.rs) start inside
# the session sandbox: Claude Code and Codex from npm, Aider from PyPI. Sourced by
# scripts/install-deps, not run.
#
# They live outside the clone, in $AIOPS_AGENTS_DIR (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/aiops/agents), so a fresh CI clone reuses a warm cache:
#   npm/node_modules/.bin/{claude,codex}   npm install --prefix npm
#   aider-venv/bin/aider                   a venv of Debian's /usr/bin/python3
# The test computes the same folder (keep the two in step).
#
# Aider's venv is made from Debian's interpreter, not whatever `python3` is first on PATH
# (pyenv, asdf, a Homebrew Python): a venv's `python` is a symlink to its base
# interpreter, and the session sandbox shows /usr but not the server account's home, so
# a venv of ~/.pyenv's Python would not start inside it.

# The versions, pinned here and only here.
CLAUDE_CODE_VERSION=2.1.332
CODEX_VERSION=0.171.0
AIDER_VERSION=0.86.2

AGENTS_DIR="${AIOPS_AGENTS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aiops/agents}"

# Whether npm package $1 is installed at version $2 (its package.json says so).
npm_has() {
    grep -qs "^  \"version\": \"$2\"," "$AGENTS_DIR/npm/node_modules/$1/package.json"
}

agents_install_npm() {
    if npm_has @anthropic-ai/claude-code "$CLAUDE_CODE_VERSION" &&
        npm_has @openai/codex "$CODEX_VERSION" && [[ -x $AGENTS_DIR/npm/node_modules/.bin/claude && -x $AGENTS_DIR/npm/node_modules/.bin/codex ]]; then
        echo "install-deps: claude-code $CLAUDE_CODE_VERSION and codex $CODEX_VERSION present"
        return
    fi
    echo "install-deps: installing claude-code $CLAUDE_CODE_VERSION, codex $CODEX_VERSION" \
        "into $AGENTS_DIR/npm"
    mkdir -p "$AGENTS_DIR/npm"
    npm install --prefix "$AGENTS_DIR/npm" --save-exact --no-audit --no-fund \
        --loglevel=error \
        "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" "@openai/codex@$CODEX_VERSION"
}

agents_install_aider() {
    local venv="$AGENTS_DIR/aider-venv"
    # A dist-info folder names the installed version: no interpreter start needed.
    if compgen -G "$venv/lib/python3*/site-packages/aider_chat-$AIDER_VERSION.dist-info" >/dev/null &&
        [[ -x $venv/bin/aider ]]; then
        echo "install-deps: aider-chat $AIDER_VERSION present"
        return
    fi
    echo "install-deps: installing aider-chat $AIDER_VERSION into $venv"
    if [[ ! -x $venv/bin/python ]]; then
        /usr/bin/python3 -m venv "$venv" || return
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "aider-chat==$AIDER_VERSION"
}

# Installs what is missing; with a warm cache it only reads a few files.
agents_install() {
    if ! command -v npm >/dev/null || [[ ! -x /usr/bin/python3 ]]; then
        echo "install-deps: the agent CLIs need npm and /usr/bin/python3 (python3-venv)" >&2
        return 1
    fi
    agents_install_npm || return
    agents_install_aider
}
