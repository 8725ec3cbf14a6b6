# shellcheck shell=bash
# The MCP client the e2e tests and scripts/bench/mcp.sh drive `aiops mcp` and `/api/mcp`
# with: the official Python SDK (PyPI `mcp`), pinned, in a venv of Debian's
# /usr/bin/python3 cached outside the clone:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/aiops/mcp-venv
# (override with AIOPS_MCP_VENV). A warm cache only reads one directory name.

# shellcheck source=scripts/lib/pyvenv.sh
source "$(dirname "${BASH_SOURCE[0]}")/pyvenv.sh"

MCP_VENV="${AIOPS_MCP_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/aiops/mcp-venv}"
MCP_SDK_VERSION=2.3.0

mcp_client_ready() {
    pyvenv_ready "$MCP_VENV" "mcp-$MCP_SDK_VERSION"
}

mcp_client_install() {
    mcp_client_ready && return 0
    echo "install-deps: installing the MCP Python SDK $MCP_SDK_VERSION into $MCP_VENV"
    pyvenv_install "$MCP_VENV" "mcp==$MCP_SDK_VERSION"
}
