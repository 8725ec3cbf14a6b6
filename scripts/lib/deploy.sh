# shellcheck shell=bash
# The Dockerfile linter's Python environment (sourced by scripts/install-deps and
# scripts/check-deploy): dockerfile-parse and PyYAML from PyPI, pinned, in a venv of
# Debian's /usr/bin/python3 cached outside the clone:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/aiops/deploy-lint-venv
# (override with AIOPS_DEPLOY_LINT_VENV). A warm cache only reads one directory name.

# shellcheck source=scripts/lib/pyvenv.sh
source "$(dirname "${BASH_SOURCE[0]}")/pyvenv.sh"

DEPLOY_LINT_VENV="${AIOPS_DEPLOY_LINT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/aiops/deploy-lint-venv}"
DOCKERFILE_PARSE_VERSION=2.0.1
PYYAML_VERSION=6.0.2

deploy_lint_ready() {
    pyvenv_ready "$DEPLOY_LINT_VENV" "dockerfile_parse-$DOCKERFILE_PARSE_VERSION" "PyYAML-$PYYAML_VERSION"
}

deploy_lint_install() {
    deploy_lint_ready && return 0
    echo "install-deps: installing dockerfile-parse $DOCKERFILE_PARSE_VERSION and PyYAML $PYYAML_VERSION into $DEPLOY_LINT_VENV"
    pyvenv_install "$DEPLOY_LINT_VENV" "dockerfile-parse==$DOCKERFILE_PARSE_VERSION" "PyYAML==$PYYAML_VERSION"
}
