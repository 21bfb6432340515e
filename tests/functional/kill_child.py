# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One declaration, run by a module or by the core, that may kill itself.

    python kill_child.py module|core KILL_POINT STEP_JSON

KILL_POINT is METHOD:N (SIGKILL right after the Nth librbd call of METHOD,
e.g. create_snap:1, clone:1, resize:1, remove:1), or "none".  The hook
wraps librbd as the RBD driver sees it (the driver's `rbd` module), so the
kill lands inside the driver call, in the windows a random moment rarely
hits.  STEP_JSON: {"module": "cl_volume", "args": {...}}.
"""

import json
import os
import runpy
import signal
import sys
import tempfile


def install_kill_hook(point):
    if point == 'none':
        return
    method, _sep, nth = point.partition(':')
    nth = int(nth or 1)
    import rbd as real_rbd
    from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import driver_tuning
    calls = {'n': 0}

    def wrap(obj):
        class Proxy(object):
            def __getattr__(self, name):
                value = getattr(obj, name)
                if name != method or not callable(value):
                    return value

                def call(*args, **kwargs):
                    result = value(*args, **kwargs)
                    calls['n'] += 1
                    if calls['n'] == nth:
                        os.kill(os.getpid(), signal.SIGKILL)
                    return result
                return call

            def __enter__(self):
                obj.__enter__()
                return self

            def __exit__(self, *exc):
                return obj.__exit__(*exc)
        return Proxy()

    class RBDModule(object):
        def Image(self, *args, **kwargs):
            return wrap(real_rbd.Image(*args, **kwargs))

        def RBD(self):
            return wrap(real_rbd.RBD())

        def __getattr__(self, name):
            return getattr(real_rbd, name)
    tune = driver_tuning.tune

    def tune_with_hook(driver):
        driver.rbd = RBDModule()      # what the driver calls librbd through
        tune(driver)
    driver_tuning.tune = tune_with_hook


def run_core(step):
    """The same declaration through the core's API (no convergence)."""
    from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
    args = step['args']
    cl.setup(persistence_config={'storage': 'db',
                                 'connection': args['db_url']},
             file_locks_path=args['lock_path'])
    options = dict(args['backend'])
    backend = cl.Backend(options.pop('volume_backend_name'), **options)

    def volume(key):
        found = [r for r in cl.Backend.persistence.get_volumes(
            backend_name=backend.id) if key in (r['id'], r['name'])]
        return cl.Volume.get_by_id(found[0]['id'])
    if step['module'] == 'cl_snapshot':
        volume(args['volume']).create_snapshot(name=args['name'])
    elif args.get('source_volume'):
        volume(args['source_volume']).clone(id=args.get('id'),
                                            name=args['name'],
                                            size=args.get('size'))
    elif args.get('state') == 'absent':
        volume(args['id']).delete()
    elif cl.Backend.persistence.get_volumes(volume_id=args['id']):
        volume(args['id']).extend(args['size'])
    else:
        backend.create_volume(args['size'], id=args.get('id'),
                              name=args['name'])
    print(json.dumps({'changed': True}))


def main():
    mode, point, step = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    install_kill_hook(point)
    if mode == 'core':
        return run_core(step)
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
        json.dump({'ANSIBLE_MODULE_ARGS': step['args']}, f)
    sys.argv = [sys.argv[0], f.name]
    try:
        runpy.run_module('ansible_collections.openstack.cinderlib.plugins.'
                         'modules.%s' % step['module'], run_name='__main__')
    finally:
        os.unlink(f.name)


if __name__ == '__main__':
    main()
