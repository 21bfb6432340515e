# shellcheck shell=bash
# Helpers for the venvs other than .venv (scripts/setup-controller-venv.sh,
# scripts/setup-core-venv.sh): find a Python of a given version, and keep a
# venv's packages in step with its requirement files.

# find_python X.Y: prints the path of a CPython X.Y interpreter: pythonX.Y
# on PATH if it runs (a pyenv shim may not), else pyenv's ($PYENV_ROOT,
# default ~/.pyenv; the newest X.Y.*).
find_python() {
    local want=$1 found
    if found=$(command -v "python$want" 2>/dev/null) && "$found" -c '' 2>/dev/null; then
        echo "$found"; return
    fi
    found=$(find "${PYENV_ROOT:-$HOME/.pyenv}/versions" -maxdepth 3 -path "*/versions/$want.*/bin/python$want" \
            2>/dev/null | sort -V | tail -n 1)
    if [ -z "$found" ]; then
        echo "no Python $want: put python$want on PATH or install it with pyenv (pyenv install $want)" >&2
        return 1
    fi
    echo "$found"
}

# ensure_venv PYTHON VENV REQUIREMENT_FILE...: create VENV with PYTHON if it
# is missing (or was made by another Python version), then install the
# requirement files whenever their content changed since the last install.
ensure_venv() {
    local python=$1 venv=$2 stamp want
    shift 2
    stamp=$venv/.requirements.sha256
    want=$( { "$python" -c 'import sys; print(sys.version)'; cat "$@"; } | sha256sum | cut -d' ' -f1)
    [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -x "$venv/bin/python" ] && return 0
    if [ -x "$venv/bin/python" ] &&
            [ "$("$venv/bin/python" -c 'import sys; print(sys.version)')" != "$("$python" -c 'import sys; print(sys.version)')" ]; then
        rm -rf "$venv"
    fi
    [ -x "$venv/bin/python" ] || { echo "[venv] creating $venv with $python" >&2; "$python" -m venv "$venv"; }
    echo "[venv] installing $* into $venv" >&2
    local args=() f
    for f in "$@"; do args+=(-r "$f"); done
    # This machine's pip.conf names mirror directories that may not exist;
    # drop pip's warnings about them, keep everything else.
    {
        "$venv/bin/pip" install -q --disable-pip-version-check --upgrade pip
        "$venv/bin/pip" install -q --disable-pip-version-check "${args[@]}"
    } 2>&1 | { grep -v "^WARNING: Location '" || true; } >&2
    echo "$want" > "$stamp"
}
