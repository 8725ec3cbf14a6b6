# shellcheck shell=bash
# The API contract checkers' Python environment (sourced by scripts/install-deps and
# scripts/check-contract): openapi-spec-validator and Schemathesis from PyPI, pinned, in a
# venv of Debian's /usr/bin/python3 cached outside the clone:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/aiops/contract-venv
# (override with AIOPS_CONTRACT_VENV). A warm cache only reads one directory name.

CONTRACT_VENV="${AIOPS_CONTRACT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/aiops/contract-venv}"
OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0
SCHEMATHESIS_VERSION=4.32.5

contract_tools_ready() {
    compgen -G "$CONTRACT_VENV/lib/python3*/site-packages/openapi_spec_validator-$OPENAPI_SPEC_VALIDATOR_VERSION.dist-info" >/dev/null &&
        compgen -G "$CONTRACT_VENV/lib/python3*/site-packages/schemathesis-$SCHEMATHESIS_VERSION.dist-info" >/dev/null
}

contract_tools_install() {
    contract_tools_ready && return 0
    echo "install-deps: installing openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION and Schemathesis $SCHEMATHESIS_VERSION into $CONTRACT_VENV"
    if [[ ! -x $CONTRACT_VENV/bin/python ]]; then
        /usr/bin/python3 -m venv "$CONTRACT_VENV" || return
    fi
    "$CONTRACT_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION" "schemathesis==$SCHEMATHESIS_VERSION"
}
