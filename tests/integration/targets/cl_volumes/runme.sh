#!/usr/bin/env bash
# cl_volumes on the Ceph lab (Cinder's RBD driver): the mixed set, re-run,
# grow, refusals, a failing item, purge within a scope, check mode
# (converge.yml, one host); items of named types, multiattach and retypes
# (day2.yml); then the same set converged by several Ansible hosts at once,
# beside single-volume tasks (concurrent.yml).  The machine's
# values (backend, database, rbd command) come from integration_config.yml,
# written by scripts/integration.sh.
set -eux
config=../../integration_config.yml
ansible-playbook -i "$INVENTORY_PATH" -e "@$config" converge.yml "$@"
ansible-playbook -i "$INVENTORY_PATH" -e "@$config" day2.yml "$@"
ansible-playbook -i "$INVENTORY_PATH" -e "@$config" --forks 6 concurrent.yml "$@"
