#!/usr/bin/env bash
# The test command (README; .ci/run calls it).  On a fresh Debian machine it
# installs what it needs (Python venv, Ceph packages, database servers),
# starts the local Ceph lab and the database servers that are not running,
# runs the suites, and stops only what it started.
#
# Usage: scripts/test.sh [unit|functional|sanity|all]      (default: all)
# Environment: CL_FTESTS_CFG=backends.yaml to validate other backends.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
suite=${1:-all}
case "$suite" in unit|functional|sanity|all) ;; *)
    echo "usage: scripts/test.sh [unit|functional|sanity|all]" >&2; exit 2 ;;
esac

stage_start=$SECONDS
stage() {
    echo "== $1 (+$((SECONDS - stage_start)) s)"
}

started_ceph=0
cleanup() {
    status=$?
    if [ "$started_ceph" = 1 ]; then
        bash scripts/ceph-lab.sh stop >/dev/null 2>&1 || true
    fi
    bash scripts/services.sh stop >/dev/null 2>&1 || true
    exit $status
}
trap cleanup EXIT

stage "python venv"
venv=$(bash scripts/setup-venv.sh)
pytest=("$venv/bin/python" -m pytest -p no:cacheprovider -q
        -W ignore::DeprecationWarning)

if [ "$suite" = sanity ] || [ "$suite" = all ]; then
    # ansible-test sanity, ansible-lint, changelog, galaxy, EE (issue 6).
    stage "sanity gates"
    bash scripts/sanity.sh
    [ "$suite" = all ] || { stage "done"; exit 0; }
fi

stage "database servers"
bash scripts/services.sh ensure postgresql mariadb redis
bash scripts/services.sh createdb cinderlib_test
eval "$(bash scripts/services.sh urls cinderlib_test)"
export CL_TEST_PG_URL CL_TEST_MYSQL_URL CL_TEST_REDIS_URL

if [ "$suite" != unit ] && [ -z "${CL_FTESTS_CFG:-}" ]; then
    stage "ceph lab"
    if ! bash scripts/ceph-lab.sh status >/dev/null 2>&1; then
        bash scripts/ceph-lab.sh start >/dev/null
        started_ceph=1
    fi
    eval "$(bash scripts/ceph-lab.sh env)"
    export CL_CEPH_CONF CL_CEPH_KEYRING CL_CEPH_POOL CL_CEPH_USER
fi

if [ "$suite" != functional ]; then
    stage "unit tests"
    (cd tests/unit && "${pytest[@]}" .)
fi

if [ "$suite" != unit ]; then
    # The whole functional suite once per persistence database.
    for db in sqlite "$CL_TEST_PG_URL" "$CL_TEST_MYSQL_URL"; do
        stage "functional tests, persistence: ${db%%:*}"
        if [ "$db" = sqlite ]; then
            (cd tests/functional && "${pytest[@]}" .)
        else
            (cd tests/functional && CL_FTESTS_DB=$db "${pytest[@]}" .)
        fi
    done
fi
stage "done"
