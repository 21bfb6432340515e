# shellcheck shell=bash
# sync_tree DEST: copy what git would commit (tracked files and new files not
# ignored) into DEST, an ansible_collections/openstack/cinderlib directory:
# ansible-test resolves symlinks, so it needs a real copy.  Files gone from
# the work tree go from the copy too; ansible-test's tests/output stays.  The
# copy is a git work tree of its own (nothing committed): ansible-test and
# ansible-lint list files with git, and would otherwise find the project's
# repository above, which ignores .build/.
sync_tree() {
    local dest=$1 list
    list=$(mktemp)
    git ls-files -co --exclude-standard -z | sort -zu |
        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done > "$list"
    mkdir -p "$dest"
    [ -d "$dest/.git" ] || git -C "$dest" init -q
    rsync -a --checksum --from0 --files-from="$list" ./ "$dest/"
    comm -z -23 <(cd "$dest" && find . \( -path ./tests/output -o -path ./.git \) -prune -o \( -type f -o -type l \) -printf '%P\0' | sort -z) \
        "$list" | (cd "$dest" && xargs -0 -r rm -f --)
    find "$dest" -mindepth 1 -type d -empty -not -path "$dest/tests/output*" -not -path "$dest/.git*" -delete
    rm -f "$list"
}
