#!/usr/bin/env bash
# The collection's quality gates (issue 6), rerunnable at any time:
#   ansible-test   ansible-test sanity, every default test, on a copy of the
#                  collection in an ansible_collections/ tree, once per
#                  supported ansible-core (CL_ANSIBLE_VERSIONS, default
#                  "2.19 2.20 2.21"; scripts/setup-controller-venv.sh), the
#                  versions at once, each on its own copy, with
#                  the target-side tests (compile, import) on Python 3.11,
#                  the storage host's, the others on the controller's
#   ansible-lint   ansible-lint, production profile (.ansible-lint)
#   changelog      antsibull-changelog lint, and a trial release in a scratch copy
#   galaxy         build the tarball, install it into a fresh path, check it
#                  (tests/galaxy/build-install.sh)
#   ee             ansible-builder create on the example in
#                  docs/execution-environment.md, introspect on the
#                  installed collection (tests/awx/check_ee.py)
#   diagrams       every Mermaid block of the Markdown files parses with
#                  mermaid's own parser (tests/diagrams/)
#
# Usage: scripts/sanity.sh [STAGE...]        (default: every stage)
# Prints each stage's time; exits nonzero if any stage failed (all requested
# stages run).  Tools other than ansible-core live in .build/lint-venv.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# shellcheck source=scripts/lib/collection-tree.sh
. scripts/lib/collection-tree.sh

all_stages=(ansible-test ansible-lint changelog galaxy ee)
all_stages+=(diagrams)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=("${all_stages[@]}")
for s in "${stages[@]}"; do
    case " ${all_stages[*]} " in *" $s "*) ;; *)
        echo "usage: scripts/sanity.sh [${all_stages[*]}]..." >&2; exit 2 ;;
    esac
done

python_version=3.11
build=$repo/.build
lint_tree=$build/ansible-lint/ansible_collections/openstack/cinderlib
lint_venv=$build/lint-venv

LOG_PREFIX='[sanity] '
# shellcheck source=scripts/lib/common.sh
. "$repo/scripts/lib/common.sh"
# This machine's pip.conf names mirror directories that may not exist: drop
# pip's warnings about them, and the progress of installs.
drop_pip_noise() {
    grep -Ev "^(WARNING: Location '|Looking in (indexes|links):|Collecting |Processing |Installing collected |Successfully installed |Requirement already | +Downloading | +━)" || true
}
quiet_pip() { "$@" 2>&1 | drop_pip_noise >&2; }

# ansible-test bootstraps pip in its virtualenvs with a script it downloads
# from a host these machines cannot reach; it uses a cached copy when there is
# one.  Ours installs pip from the standard library, then upgrades to the
# version asked for from the package index.
write_pip_bootstrap() {
    local venv=$1 pip_version cache
    pip_version=$("$venv/bin/python" -c 'import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="'"$python_version"'"))["pip"])')
    cache=~/.ansible/test/cache/get_pip_${pip_version//./_}.py
    mkdir -p "$(dirname "$cache")"
    cat > "$cache.new" <<'EOF'
"""Stand-in for ansible-test's pip bootstrap script, written by the
openstack.cinderlib collection's scripts/sanity.sh (no access to the host of
the real one).  Installs pip with ensurepip, then `pip install --upgrade`
with the arguments given (pip==<version> and pip options)."""
import subprocess
import sys

GET_PIP_ONLY = ('--no-setuptools', '--no-wheel')
args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade'],
                      stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--upgrade', '--quiet'] + args)
if '--no-setuptools' in sys.argv:
    # ensurepip brings setuptools on older Pythons; get-pip would not have.
    subprocess.call([sys.executable, '-m', 'pip', 'uninstall', '--yes', '--quiet', 'setuptools'],
                    stderr=subprocess.DEVNULL)
EOF
    if cmp -s "$cache.new" "$cache"; then rm -f "$cache.new"; else mv "$cache.new" "$cache"; fi
}

# ansible-lint, ansible-builder and antsibull-changelog, pinned in
# tests/lint-requirements.txt, reinstalled when that file changes.
ensure_lint_venv() {
    local stamp=$lint_venv/.requirements.sha256 want
    want=$(sha256sum tests/lint-requirements.txt | cut -d' ' -f1)
    [ -x "$lint_venv/bin/python" ] || "python$python_version" -m venv "$lint_venv"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        log "installing tests/lint-requirements.txt into $lint_venv"
        quiet_pip "$lint_venv/bin/pip" install -q --disable-pip-version-check \
            -r tests/lint-requirements.txt
        echo "$want" > "$stamp"
    fi
}

stage_ansible_test() {
    if ! command -v shellcheck >/dev/null; then
        # ansible-test skips its shellcheck test, with only a warning, without it.
        log "installing Debian's shellcheck"
        { apt-get install -y -qq --no-install-recommends shellcheck ||
            { apt-get update -qq && apt-get install -y -qq --no-install-recommends shellcheck; }
        } >&2
    fi
    local version controller failed=() start=$SECONDS pids=() versions
    read -ra versions <<< "${CL_ANSIBLE_VERSIONS:-2.19 2.20 2.21}"
    # One copy of the collection per version, all at once: each run is
    # mostly one process (pylint, validate-modules...), and it writes its
    # results into the copy's tests/output.  The controller venvs and the pip
    # bootstrap stand-in are made first, one at a time.
    local copy rc
    for version in "${versions[@]}"; do
        controller=$(bash scripts/setup-controller-venv.sh "$version")
        write_pip_bootstrap "$controller"
        copy=$build/ansible-test-$version/ansible_collections/openstack/cinderlib
        sync_tree "$copy"
        (cd "$copy" && "$controller/bin/ansible-test" sanity --venv \
            --python "$python_version" --color no) > "$build/ansible-test-$version.log" 2>&1 &
        pids+=($!)
    done
    for i in "${!versions[@]}"; do
        version=${versions[i]}
        rc=0
        wait "${pids[i]}" || rc=$?
        drop_pip_noise < "$build/ansible-test-$version.log"
        if [ "$rc" = 0 ]; then
            log "ansible-core $version: sanity passed ($((SECONDS - start)) s since the start)"
        else
            log "ansible-core $version: sanity FAILED"
            failed+=("$version")
        fi
    done
    [ ${#failed[@]} = 0 ] || { log "sanity failed on ansible-core ${failed[*]}"; return 1; }
}

stage_ansible_lint() {
    ensure_lint_venv
    sync_tree "$lint_tree"
    # Linted in the ansible_collections/ copy, so that the collection's own
    # FQCNs resolve and the linter's cache (.ansible/) stays out of the repo.
    (cd "$lint_tree" && PATH=$lint_venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$build/ansible-lint \
        ansible-lint --offline --nocolor)
}

stage_changelog() {
    ensure_lint_venv
    "$lint_venv/bin/antsibull-changelog" lint
    # A trial release in a scratch copy: CHANGELOG.rst is only made at release.
    local scratch=$build/changelog-release/ansible_collections/openstack/cinderlib
    rm -rf "$build/changelog-release"
    sync_tree "$scratch"
    (cd "$scratch" && PATH=$lint_venv/bin:$PATH \
        antsibull-changelog release --version "$(sed -n 's/^version: *//p' galaxy.yml)")
    grep -q '^Release Summary\|^Major Changes\|^Minor Changes\|^New Modules\|^Bugfixes' \
        "$scratch/CHANGELOG.rst"
    "$lint_venv/bin/antsibull-changelog" lint-changelog-yaml "$scratch/changelogs/changelog.yaml"
}

# The galaxy stage leaves the path it installed to here for the ee stage.
installed_file=$build/sanity-installed-path
stage_galaxy() {
    bash tests/galaxy/build-install.sh > "$installed_file"
    log "collection installed under $(cat "$installed_file")"
}

stage_ee() {
    ensure_lint_venv
    # The collection's own EE metadata: schema version 3, Python requirements
    # the same as requirements.txt, bindep lines that parse.
    "$lint_venv/bin/python" - <<'EOF'
import sys
import yaml
from ansible_builder.ee_schema import validate_schema
from bindep.depends import Depends

with open('meta/execution-environment.yml') as f:
    meta = yaml.safe_load(f)
validate_schema(meta)
if meta['version'] != 3:
    sys.exit('meta/execution-environment.yml: use schema version 3')


def requirements(path):
    with open(path) as f:
        return sorted(line.strip() for line in f if line.strip() and not line.startswith('#'))


if requirements(meta['dependencies']['python']) != requirements('requirements.txt'):
    sys.exit('%s differs from requirements.txt: keep them the same'
             % meta['dependencies']['python'])
with open(meta['dependencies']['system']) as f:
    Depends(f.read())
EOF
    local work=$build/ee-example installed
    rm -rf "$work"
    mkdir -p "$work"
    # The example in the docs as written: each fenced block whose info string
    # names a file (```yaml NAME) goes to that file.
    awk -v dir="$work" '
        /^```/ && out { close(out); out = ""; next }
        /^```[A-Za-z]+ [^ ]+$/ { out = dir "/" $2; next }
        out { print > out }' docs/execution-environment.md
    "$lint_venv/bin/ansible-builder" create -f "$work/execution-environment.yml" \
        -c "$work/context" --output-filename Containerfile -v 1
    test -s "$work/context/Containerfile"
    # What ansible-builder finds in the collection installed from its tarball.
    [ "$galaxy_ran" = 1 ] || stage_galaxy
    installed=$(cat "$installed_file")
    "$lint_venv/bin/ansible-builder" introspect --sanitize "$installed" > "$work/introspect.yml"
    # Exactly what the EE gets (tests/awx/ee-expected.yml), and a Python
    # that Ceph's bindings work with.
    "$lint_venv/bin/python" tests/awx/check_ee.py "$work/introspect.yml" \
        "$work/execution-environment.yml"
}

# The diagrams in docs/ render on the forge: mermaid's parser (the npm
# versions of tests/diagrams/package-lock.json, in .build/diagrams) on each
# ```mermaid block.  Node.js and npm from Debian when the machine has none.
stage_diagrams() {
    local dir=$build/diagrams want
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        log "installing Debian's nodejs and npm"
        { apt-get install -y -qq --no-install-recommends nodejs npm ||
            { apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm; }
        } >&2
    fi
    mkdir -p "$dir"
    want=$(cat tests/diagrams/package.json tests/diagrams/package-lock.json | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$dir/.lock.sha256" 2>/dev/null)" != "$want" ] || [ ! -d "$dir/node_modules" ]; then
        log "installing mermaid and jsdom into $dir"
        cp tests/diagrams/package.json tests/diagrams/package-lock.json "$dir/"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
        echo "$want" > "$dir/.lock.sha256"
    fi
    # Beside its node_modules, so that its imports resolve there.
    cp tests/diagrams/check_mermaid.mjs "$dir/"
    git ls-files -co --exclude-standard -z -- '*.md' ':!:tests/output/**' |
        xargs -0 node "$dir/check_mermaid.mjs"
}

venv=$(bash scripts/setup-venv.sh)
failed=()
galaxy_ran=0
total_start=$SECONDS
for s in "${stages[@]}"; do
    echo "== $s"
    start=$SECONDS
    # A subshell outside any condition, so that `set -e` holds inside it.
    set +e
    ( set -e; "stage_${s//-/_}" )
    rc=$?
    set -e
    if [ $rc = 0 ]; then result=ok; else result="FAILED (exit $rc)"; failed+=("$s"); fi
    [ "$s" != galaxy ] || [ $rc != 0 ] || galaxy_ran=1
    echo "== $s: $result in $((SECONDS - start)) s"
done
echo "== sanity gates: ${#stages[@]} stages in $((SECONDS - total_start)) s${failed:+, failed: ${failed[*]}}"
[ ${#failed[@]} -eq 0 ]
