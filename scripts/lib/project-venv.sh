# shellcheck shell=bash disable=SC2034,SC2154
# Sourced by the scripts that run the collection's Python: sets $venv to the
# project virtualenv (created or updated by scripts/setup-venv.sh) and puts
# this checkout's collection first on PYTHONPATH, since a venv shared
# between checkouts (CL_VENV) links whichever one set it up last.
# Needs $repo (the checkout's root).
venv=$(bash "$repo/scripts/setup-venv.sh")
export PYTHONPATH=$repo/.build/collections${PYTHONPATH:+:$PYTHONPATH}
