#!/usr/bin/env bash
# The test command (README; .ci/run calls it).  On a fresh Debian machine it
# installs what it needs (Python venv, Ceph packages, database servers, qemu
# and the guest image), starts the local Ceph lab and the database servers
# that are not running, runs the suites, and stops only what it started.
#
# Usage: scripts/test.sh [SUITE...]      (default: all)
#   sanity       ansible-test sanity, ansible-lint, changelog, galaxy, EE
#   setup        the README commands on a fresh machine (tests/setup)
#   unit         ansible-test units (core with a fake driver, modules)
#   functional   the core on the Ceph lab, once per persistence database
#   integration  ansible-test integration: the modules on the Ceph lab
#                (controllers ansible-core 2.19 and 2.21)
#   multihost    ten Ansible hosts at once (SQLite, PostgreSQL + Redis), the
#                lock service stopped, two controllers in network namespaces
#   docs         the module reference is current; every docs/ example runs
#   e2e          roles and playbooks on an LVM/iSCSI qemu guest
#   awx          provision.yml and attach.yml as AWX jobs (ansible-runner)
# Environment: CL_FTESTS_CFG=backends.yaml to validate other backends.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
all_suites=(sanity setup unit functional integration multihost docs e2e)
suites=("$@")
all_suites+=(awx)
[ ${#suites[@]} -gt 0 ] && [ "${suites[*]}" != all ] || suites=("${all_suites[@]}")
for s in "${suites[@]}"; do
    case " ${all_suites[*]} " in *" $s "*) ;; *)
        echo "usage: scripts/test.sh [all | ${all_suites[*]}]..." >&2; exit 2 ;;
    esac
done
dbp=${CL_TEST_DB_PREFIX:-cinderlib}
wants() { case " ${suites[*]} " in *" $1 "*) return 0 ;; esac; return 1; }

stage_start=$SECONDS
stage_names=() stage_starts=()
stage() {
    echo "== $1 (+$((SECONDS - stage_start)) s)"
    stage_names+=("$1") stage_starts+=("$SECONDS")
}
# Each stage's time, printed when the run ends however it ends (a CI that
# cuts the run off at its time limit shows the tail of the output).
stage_times() {
    local i end
    echo "== stage times (total $((SECONDS - stage_start)) s)"
    for i in "${!stage_names[@]}"; do
        end=${stage_starts[i + 1]:-$SECONDS}
        printf '%6d s  %s\n' $((end - stage_starts[i])) "${stage_names[i]}"
    done
}

# shellcheck source=scripts/lib/ceph-lab-env.sh
. scripts/lib/ceph-lab-env.sh
image_build=
cleanup() {
    status=$?
    stage_times
    [ -z "$image_build" ] || kill "$image_build" 2>/dev/null || true
    release_ceph_lab
    bash scripts/services.sh stop >/dev/null 2>&1 || true
    exit $status
}
trap cleanup EXIT
# Cut off by a signal (a CI's time limit): the EXIT trap must report a failure.
trap 'exit 143' TERM
trap 'exit 130' INT

stage "python venv"
# shellcheck source=scripts/lib/project-venv.sh
. scripts/lib/project-venv.sh
pytest=("$venv/bin/python" -m pytest -p no:cacheprovider -q
        -W ignore::DeprecationWarning)

if wants e2e; then
    # The e2e's guest image (debootstrap, a wheelhouse: minutes when this
    # machine has no cached one) builds while the other suites run.  Its
    # apt installs come first, so that they never wait on another's.
    stage "e2e guest image: host tools, then the build in the background"
    bash scripts/lvm-lab.sh tools
    mkdir -p .build
    bash scripts/lvm-lab.sh build > .build/e2e-image.log 2>&1 &
    image_build=$!
fi

if wants sanity; then
    stage "sanity gates"
    bash scripts/sanity.sh
fi

if wants setup; then
    # scripts/demo.sh with no venv and no Ceph bindings, in a scratch HOME
    # and a private mount namespace (tests/setup/first-run.sh).
    stage "first run on a fresh machine"
    bash tests/setup/first-run.sh
fi

if wants unit || wants functional || wants integration || wants multihost; then
    stage "database servers"
    bash scripts/services.sh ensure postgresql mariadb redis
    # Databases of their own, so the suites never empty each other's
    # (CL_TEST_DB_PREFIX keeps two checkouts testing at once apart too).
    for db in "$dbp"_test "$dbp"_migrate "$dbp"_it; do
        bash scripts/services.sh createdb "$db"
    done
    eval "$(bash scripts/services.sh urls "$dbp"_test)"
    export CL_TEST_PG_URL CL_TEST_MYSQL_URL CL_TEST_REDIS_URL
    CL_FTESTS_MIGRATE_DB=$(bash scripts/services.sh urls "$dbp"_migrate |
                           sed -n 's/^CL_TEST_PG_URL=//p')
    export CL_FTESTS_MIGRATE_DB
fi

if { wants functional || wants integration || wants multihost || wants docs; } &&
        [ -z "${CL_FTESTS_CFG:-}" ]; then
    stage "ceph lab"
    start_ceph_lab
fi

if wants unit; then
    stage "unit tests"
    bash scripts/units.sh
fi

if wants functional; then
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

if wants integration && [ -z "${CL_FTESTS_CFG:-}" ]; then
    stage "integration tests (modules)"
    CL_TEST_PG_URL=$(bash scripts/services.sh urls "$dbp"_it |
                     sed -n 's/^CL_TEST_PG_URL=//p') bash scripts/integration.sh
fi

if wants integration && [ -z "${CL_FTESTS_CFG:-}" ]; then
    # What Galaxy users get: the tarball, installed into a fresh path, runs
    # the README demo playbook (on the lab cluster already running).
    stage "demo playbook from the installed galaxy tarball"
    installed=$(bash tests/galaxy/build-install.sh "$repo/.build/galaxy-demo")
    ANSIBLE_COLLECTIONS_PATH=$installed ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
        "$venv/bin/ansible-playbook" \
        openstack.cinderlib.demo -e demo_ceph_lab_dir="$CL_CEPH_DIR"
fi

if wants integration && [ -z "${CL_FTESTS_CFG:-}" ]; then
    # The newest ansible-core as the controller (on its own Python, 3.13),
    # the modules on the storage venv's Python 3.11: the integration targets
    # and the demo playbook again, on the same lab.
    stage "integration tests and demo playbook, ansible-core 2.21 controller"
    controller=$(bash scripts/setup-controller-venv.sh 2.21)
    CL_ANSIBLE_CONTROLLER=2.21 CL_TEST_PG_URL=$(bash scripts/services.sh urls "$dbp"_it |
                     sed -n 's/^CL_TEST_PG_URL=//p') bash scripts/integration.sh
    ANSIBLE_COLLECTIONS_PATH=$installed ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
        "$controller/bin/ansible-playbook" openstack.cinderlib.demo \
        -e demo_ceph_lab_dir="$CL_CEPH_DIR" -e demo_python="$venv/bin/python"
fi

# multihost ---------------------------------------------------------------
if wants multihost && [ -z "${CL_FTESTS_CFG:-}" ]; then
    stage "multihost: ten hosts at once, lock service outage, two controllers"
    bash scripts/services.sh createdb "$dbp"_mh
    CL_MH_PG_URL=$(bash scripts/services.sh urls "$dbp"_mh |
                   sed -n 's/^CL_TEST_PG_URL=//p')
    (cd tests/multihost && CL_MH_PG_URL=$CL_MH_PG_URL "${pytest[@]}" .)
fi
# ---------------------------------------------------------------------------

if wants docs; then
    stage "docs: module reference and examples"
    bash scripts/docs.sh --test
fi

if wants awx && [ -z "${CL_FTESTS_CFG:-}" ]; then
    # Its own PostgreSQL role and database; the Ceph lab if none runs.
    stage "AWX jobs through ansible-runner"
    bash tests/awx/run.sh
fi

if wants e2e; then
    stage "end to end: LVM/iSCSI guest"
    built=0
    wait "$image_build" || built=$?
    image_build=
    cat .build/e2e-image.log
    [ "$built" = 0 ] || { echo "test.sh: the e2e guest image did not build (log above)" >&2; exit 1; }
    bash tests/e2e/run.sh
fi
echo "== done (+$((SECONDS - stage_start)) s)"
