#!/usr/bin/env bash
# The collection's playbooks as AWX job templates run them: through
# ansible-runner, from a private data dir, with the collection installed by
# a project update from its Galaxy tarball (tests/awx/test_awx_jobs.py).
#
# Uses the Ceph lab (started, and stopped afterwards, if none runs) and the
# PostgreSQL of scripts/services.sh (started if none answers).
# CL_TEST_DB_PREFIX names the job database and role (default cinderlib).
# CL_AWX_ANSIBLE_CORE (a pip requirement, default tests/requirements.txt's
# ansible-core line) and CL_AWX_PYTHON (default python3.11) pick the EE's
# ansible-core, e.g. 'ansible-core==2.21.*' with python3.13; the modules
# still run on the project venv's Python 3.11, as on a storage host.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
venv=$(bash scripts/setup-venv.sh)
python=${CL_AWX_PYTHON:-python3.11}
core=${CL_AWX_ANSIBLE_CORE:-$(grep '^ansible-core' tests/requirements.txt)}
runner=$repo/.build/awx-runner-$(basename "$python")
build=$repo/.build/awx

LOG_PREFIX='[awx] '
# shellcheck source=scripts/lib/common.sh
. "$repo/scripts/lib/common.sh"

# The runner's virtualenv, remade when its requirements change.
want=$(cat tests/awx/requirements.txt; echo "$core")
stamp=$runner/.requirements
[ -x "$runner/bin/python" ] || "$python" -m venv "$runner"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing ansible-runner and $core into $runner"
    "$runner/bin/pip" install -q --disable-pip-version-check \
        -r tests/awx/requirements.txt "$core" 2>&1 |
        { grep -v "^WARNING: Location '" || true; } >&2
    echo "$want" > "$stamp"
fi

# The tarball a release publishes; the jobs' project update installs it.
rm -rf "$build/dist"
mkdir -p "$build/dist"
"$runner/bin/ansible-galaxy" collection build --output-path "$build/dist" >&2
tarball=$(echo "$build"/dist/openstack-cinderlib-*.tar.gz)
versions=$("$runner/bin/ansible" --version)
log "EE stand-in: ${versions%%$'\n'*}, ansible-runner $("$runner/bin/ansible-runner" --version)"

bash scripts/services.sh ensure postgresql >&2
if ! bash scripts/ceph-lab.sh status >/dev/null 2>&1; then
    bash scripts/ceph-lab.sh start >&2
    trap 'bash scripts/ceph-lab.sh stop >/dev/null 2>&1 || true' EXIT
fi
eval "$(bash scripts/ceph-lab.sh env)"
export CL_CEPH_CONF CL_CEPH_KEYRING CL_CEPH_POOL CL_CEPH_USER
CL_AWX_PG_ADMIN=$(bash scripts/services.sh urls postgres | sed -n 's/^CL_TEST_PG_URL=//p')
export CL_AWX_PG_ADMIN CL_AWX_TARBALL=$tarball CL_AWX_RUNNER=$runner/bin/ansible-runner
export CL_AWX_DB_NAME=${CL_TEST_DB_PREFIX:-cinderlib}_awx
cd tests/awx
"$venv/bin/python" -m pytest -p no:cacheprovider -q -W ignore::DeprecationWarning \
    --basetemp="$build/tmp" "$@" test_awx_jobs.py
