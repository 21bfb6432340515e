#!/usr/bin/env bash
# The collection's documentation (docs/):
#   scripts/docs.sh           regenerate the module reference, docs/modules/,
#                             from the modules' own documentation (ansible-doc)
#   scripts/docs.sh --check   fail if docs/modules/ is not what the modules'
#                             documentation gives (a module changed, the
#                             pages were not regenerated)
#   scripts/docs.sh --test    --check, then run every example in docs/
#                             (tests/docs) against the local Ceph lab and a
#                             PostgreSQL database of its own (cinderlib_docs)
#
# --test starts the Ceph lab and PostgreSQL if they are not running, and
# stops only what it started.  Extra arguments after --test go to pytest
# (for example -k quickstart).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# shellcheck source=scripts/lib/ceph-lab-env.sh
. scripts/lib/ceph-lab-env.sh

mode=${1:-generate}
case $mode in
    generate | --check | --test) ;;
    *) echo "usage: scripts/docs.sh [--check | --test [PYTEST ARGS...]]" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && shift

# shellcheck source=scripts/lib/project-venv.sh
. scripts/lib/project-venv.sh
export ANSIBLE_COLLECTIONS_PATH=$repo/.build/collections

# The module reference, rendered into directory $1.
render_modules() {
    local modules
    modules=$(for f in plugins/modules/*.py; do
        printf 'openstack.cinderlib.%s ' "$(basename "$f" .py)"; done)
    # shellcheck disable=SC2086 # one word per module
    "$venv/bin/ansible-doc" --json $modules |
        "$venv/bin/python" scripts/lib/module_docs.py "$1"
}

check_modules() {
    local fresh
    fresh=$(mktemp -d)
    trap 'rm -rf "$fresh"' RETURN
    render_modules "$fresh"
    if ! diff -ru docs/modules "$fresh" >&2; then
        echo "docs/modules/ is stale: run scripts/docs.sh and commit the result" >&2
        return 1
    fi
    echo "docs/modules/ is up to date"
}

if [ "$mode" = generate ]; then
    rm -f docs/modules/*.md
    render_modules docs/modules
    echo "wrote docs/modules/ ($(find docs/modules -name '*.md' | wc -l) pages)"
    exit 0
fi

check_modules
[ "$mode" = --check ] && exit 0

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
started_db=0
cleanup() {
    status=$?
    release_ceph_lab
    if [ "$started_db" = 1 ]; then
        bash scripts/services.sh stop >/dev/null 2>&1 || true
    fi
    exit $status
}
trap cleanup EXIT
start_ceph_lab
# createdb makes the database in PostgreSQL and MariaDB alike.
if ! answers 5432 || ! answers 3306; then
    started_db=1
    bash scripts/services.sh ensure postgresql mariadb >&2
fi
bash scripts/services.sh createdb cinderlib_docs >&2
CL_DOCS_PG_URL=$(bash scripts/services.sh urls cinderlib_docs |
                 sed -n 's/^CL_TEST_PG_URL=//p')
export CL_DOCS_PG_URL
cd tests/docs
"$venv/bin/python" -m pytest -p no:cacheprovider -q -rs \
    -W ignore::DeprecationWarning "$@" .
