#!/usr/bin/env bash
# The soak: 10 hosts (forks 10) x 50 volumes of mixed operations each, plus
# 5 volumes all hosts declare, in rounds for a few minutes, on the Ceph lab;
# prints operations done, failures, lost and duplicated (must be 0).  Not
# part of scripts/test.sh (minutes of load); run it by hand.
#
# Usage: scripts/soak.sh [--hosts N] [--volumes N] [--shared N] [--seconds S]
#                        [--db-url URL --coordination-url URL]
# Default database: a new SQLite file.  With PostgreSQL and Redis:
#   scripts/soak.sh --db-url postgresql+psycopg://postgres@127.0.0.1/DB \
#                   --coordination-url redis://127.0.0.1:6379
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# shellcheck source=scripts/lib/project-venv.sh
. scripts/lib/project-venv.sh
# shellcheck source=scripts/lib/ceph-lab-env.sh
. scripts/lib/ceph-lab-env.sh
use_ceph_lab
"$venv/bin/python" tests/multihost/soak.py "$@"
