# shellcheck shell=bash
# The API contract checkers' Python environment (sourced by scripts/install-deps and
# scripts/check-contract): openapi-spec-validator and Schemathesis from PyPI, pinned, in a
# venv of Debian's /usr/bin/python3 cached outside the clone:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/aiops/contract-venv
# (override with AIOPS_CONTRACT_VENV). A warm cache only reads one directory name.

# shellcheck source=scripts/lib/pyvenv.sh
source "$(dirname "${BASH_SOURCE[0]}")/pyvenv.sh"

CONTRACT_VENV="${AIOPS_CONTRACT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/aiops/contract-venv}"
OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0
SCHEMATHESIS_VERSION=4.32.5

contract_tools_ready() {
    pyvenv_ready "$CONTRACT_VENV" "openapi_spec_validator-$OPENAPI_SPEC_VALIDATOR_VERSION" "schemathesis-$SCHEMATHESIS_VERSION"
}

contract_tools_install() {
    contract_tools_ready && return 0
    echo "install-deps: installing openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION and Schemathesis $SCHEMATHESIS_VERSION into $CONTRACT_VENV"
    pyvenv_install "$CONTRACT_VENV" "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION" "schemathesis==$SCHEMATHESIS_VERSION"
}
