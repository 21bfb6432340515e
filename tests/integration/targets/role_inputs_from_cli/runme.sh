#!/usr/bin/env bash
# Roles take booleans from the command line: `-e controller_ceph=false` is
# the string 'false', which ansible-core 2.19 and later refuse as a
# conditional unless the role converts it (and which a Jinja `if` takes as
# true).  Check mode: nothing is installed.
set -eux
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
ansible-playbook -i "$INVENTORY_PATH" --check playbook.yml \
    -e controller_venv="$venv/venv" \
    -e controller_ceph=false -e controller_node_only=true -e controller_set_interpreter=true
