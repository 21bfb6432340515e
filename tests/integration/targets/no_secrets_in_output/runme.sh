#!/usr/bin/env bash
# Secrets given to the modules (a DB password, a credential driver option,
# the Ceph keyring the driver returns) appear neither in -vvv output nor in
# the metadata database, unless a task asks for them and hides them itself.
set -eux
playbook_dir=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# ansible-test's inventory: testhost runs the modules with the target's
# Python (the storage venv's), whichever Python the controller runs on.
ansible-playbook -i "$INVENTORY_PATH" -vvv \
    -e @../../integration_config.yml "$playbook_dir/playbook.yml" > "$out" 2>&1 || {
    cat "$out"; exit 1; }
# Not traced: the key itself would land in the test log.
{ set +x; } 2>/dev/null
keyring_key=$(awk '/key *=/ {print $3}' "$(python -c 'import yaml,sys; print(yaml.safe_load(open("../../integration_config.yml"))["cl_backend"]["rbd_keyring_conf"])')")
for secret in S3cret-DB-pw 5e1a2c6c-0d2f-4b7a-9d5e-3f7f1e0c9a11 "$keyring_key"; do
    if grep -qF -- "$secret" "$out"; then
        echo "secret leaked into the output: ${secret:0:4}..." >&2
        exit 1
    fi
done
grep -q 'ok=' "$out"
