# shellcheck shell=bash
# The Dockerfile linter's Python environment (sourced by scripts/install-deps and
# scripts/check-deploy): dockerfile-parse and PyYAML from PyPI, pinned, in a venv of
# Debian's /usr/bin/python3 cached outside the clone:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/aiops/deploy-lint-venv
# (override with AIOPS_DEPLOY_LINT_VENV). A warm cache only reads one directory name.

DEPLOY_LINT_VENV="${AIOPS_DEPLOY_LINT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/aiops/deploy-lint-venv}"
DOCKERFILE_PARSE_VERSION=2.0.1
PYYAML_VERSION=6.0.2

deploy_lint_ready() {
    compgen -G "$DEPLOY_LINT_VENV/lib/python3*/site-packages/dockerfile_parse-$DOCKERFILE_PARSE_VERSION.dist-info" >/dev/null &&
        compgen -G "$DEPLOY_LINT_VENV/lib/python3*/site-packages/PyYAML-$PYYAML_VERSION.dist-info" >/dev/null
}

deploy_lint_install() {
    deploy_lint_ready && return 0
    echo "install-deps: installing dockerfile-parse $DOCKERFILE_PARSE_VERSION and PyYAML $PYYAML_VERSION into $DEPLOY_LINT_VENV"
    if [[ ! -x $DEPLOY_LINT_VENV/bin/python ]]; then
        /usr/bin/python3 -m venv "$DEPLOY_LINT_VENV" || return
    fi
    "$DEPLOY_LINT_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "dockerfile-parse==$DOCKERFILE_PARSE_VERSION" "PyYAML==$PYYAML_VERSION"
}
