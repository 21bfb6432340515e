#!/usr/bin/env bash
# Build the collection tarball as Galaxy users get it, install it into a fresh
# path and check what landed there: nothing from work or test output, every
# file of the collection's content, checksums as built, and the core
# importable from the installed copy alone.
#
# Usage: tests/galaxy/build-install.sh [DEST]    (default: .build/galaxy/collections)
# DEST is emptied first.  On success prints DEST on stdout (the path to give
# ANSIBLE_COLLECTIONS_PATH, or PYTHONPATH for the core); all else goes to stderr.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dest=$(realpath -m "${1:-$repo/.build/galaxy/collections}")
dist=$repo/.build/galaxy/dist
venv=$(bash "$repo/scripts/setup-venv.sh")

LOG_PREFIX='[galaxy] '
# shellcheck source=scripts/lib/common.sh
. "$repo/scripts/lib/common.sh"
fail() { log "FAIL: $*"; exit 1; }

rm -rf "$dist" "$dest"
mkdir -p "$dist" "$dest"
(cd "$repo" && "$venv/bin/ansible-galaxy" collection build --output-path "$dist" >&2)
tarball=$(echo "$dist"/openstack-cinderlib-*.tar.gz)
[ -f "$tarball" ] || fail "no tarball in $dist"
listing=$(tar tzf "$tarball")
log "built $(basename "$tarball"): $(du -k "$tarball" | cut -f1) KiB, $(wc -l <<< "$listing") entries"

# Nothing of the work tree's state, test output or caches.
unwanted=$(grep -E '(^|/)(\.build|\.lab|\.venv|\.ci|\.git|\.ansible|\.pytest_cache|\.mypy_cache|__pycache__)(/|$)|^tests/output(/|$)|\.(pyc|sqlite|lock|tar\.gz)$|^changelogs/\.plugin-cache\.yaml$' \
    <<< "$listing" || true)
[ -z "$unwanted" ] || fail "the tarball holds files it must not:"$'\n'"$unwanted"

# Everything the collection is made of (as git sees the work tree).
wanted=$(cd "$repo" && git ls-files -co --exclude-standard -- \
    plugins meta roles playbooks changelogs/changelog.yaml README.md requirements.txt |
    while IFS= read -r f; do [ -e "$f" ] && echo "$f"; done | sort -u)
missing=$(comm -23 <(echo "$wanted") <(sort <<< "$listing"))
[ -z "$missing" ] || fail "the tarball lacks:"$'\n'"$missing"

# --force: ansible-galaxy also sees the work tree (the project venv puts it on
# sys.path) and would call the collection installed already.
ANSIBLE_COLLECTIONS_PATH=$dest "$venv/bin/ansible-galaxy" collection install \
    --offline --force -p "$dest" "$tarball" >&2
installed=$dest/ansible_collections/openstack/cinderlib
[ -f "$installed/MANIFEST.json" ] || fail "no MANIFEST.json under $installed"
ANSIBLE_COLLECTIONS_PATH=$dest "$venv/bin/ansible-galaxy" collection verify --offline openstack.cinderlib >&2

# The core from the installed copy only: drop every other path that holds an
# ansible_collections/ tree (the project venv points at the work tree).
(cd / && PYTHONPATH=$dest "$venv/bin/python" - "$dest" <<'EOF'
import importlib
import os
import sys

dest = sys.argv[1]
sys.path[:] = [p for p in sys.path
               if p == dest or not os.path.isdir(os.path.join(p or '.', 'ansible_collections'))]
package = 'ansible_collections.openstack.cinderlib.plugins.module_utils'
root = os.path.join(dest, *package.split('.'))
names = sorted(
    '.'.join([package] + os.path.relpath(os.path.join(d, f), root)[:-3].split(os.sep))
    for d, _dirs, files in os.walk(root) for f in files
    if f.endswith('.py') and f != '__init__.py')
for name in names:
    module = importlib.import_module(name)
    if not os.path.realpath(module.__file__).startswith(os.path.realpath(root) + os.sep):
        sys.exit('%s was imported from %s, not from %s' % (name, module.__file__, root))
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib  # noqa: F401
print('[galaxy] %d core modules import from %s' % (len(names), root), file=sys.stderr)
EOF
)
# Ansible finds the modules, and their documentation (with its fragments)
# loads, from the installed copy alone.
modules=()
for f in "$installed"/plugins/modules/*.py; do
    [ ! -e "$f" ] || modules+=("openstack.cinderlib.$(basename "$f" .py)")
done
if [ ${#modules[@]} -gt 0 ]; then
    ANSIBLE_COLLECTIONS_PATH=$dest ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
        "$venv/bin/ansible-doc" -t module "${modules[@]}" > /dev/null
    log "ansible-doc loads ${#modules[@]} modules from $installed"
fi
log "installed and checked: $installed"
echo "$dest"
