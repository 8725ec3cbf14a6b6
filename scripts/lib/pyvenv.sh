# shellcheck shell=bash
# Pinned Python tools from PyPI in a venv of Debian's /usr/bin/python3, cached outside the
# clone (sourced by scripts/lib/deploy.sh and scripts/lib/contract.sh).

# pyvenv_ready VENV DIST...: true when VENV holds each DIST (`name-version`, as pip names
# its `.dist-info` directory). A warm cache only reads directory names.
pyvenv_ready() {
    local venv=$1 dist
    shift
    for dist; do
        compgen -G "$venv/lib/python3*/site-packages/$dist.dist-info" >/dev/null || return
    done
}

# pyvenv_install VENV SPEC...: makes VENV when it is missing, then pip-installs SPECs.
pyvenv_install() {
    local venv=$1
    shift
    if [[ ! -x $venv/bin/python ]]; then
        /usr/bin/python3 -m venv "$venv" || return
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
}
