# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check backend configurations shown in docs/ against Cinder itself.

Reads a JSON list of backend dicts on stdin and prints a JSON list with,
for each, the problems found: a volume_driver that does not import, option
names the driver does not know, values its options reject.  It checks
examples that cannot run here (arrays this machine does not have) as far as
that is possible without the storage.

A name is known when importing the driver registers it (Cinder's shared
backend options, the driver's own) or when the driver's module reads it by
name (as the RBD driver reads rbd_keyring_conf, an option Cinder removed
for its own use).  Values written as Jinja templates are not type-checked.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import inspect
import json
import sys

from ansible_collections.openstack.cinderlib.plugins.module_utils.backend import CORE_OPTIONS

# Keys the collection reads itself, not the driver.
OWN_KEYS = ('volume_backend_name',) + CORE_OPTIONS


def load_cinder():
    from cinder import objects
    objects.register_all()
    from oslo_config import cfg
    import cinder.volume.driver  # noqa: F401 (registers the shared options)
    return cfg


def known_options(cfg):
    conf = cfg.CONF
    found = {}
    for group in (None, 'backend_defaults'):
        opts = conf._groups[group]._opts if group else conf._opts
        for name, info in opts.items():
            found[name] = info['opt']
    return found


def check(cfg, backend):
    from oslo_utils import importutils
    problems = []
    driver = backend.get('volume_driver')
    try:
        driver_class = importutils.import_class(driver)
    except Exception as exc:
        return ['volume_driver %s does not import: %s: %s' % (
            driver, type(exc).__name__, exc)]
    options = known_options(cfg)
    source = inspect.getsource(inspect.getmodule(driver_class))
    for name, value in sorted(backend.items()):
        if name in OWN_KEYS:
            continue
        opt = options.get(name)
        if opt is None:
            if "'%s'" % name not in source and '"%s"' % name not in source:
                problems.append('%s: not an option of %s' % (name, driver))
            continue
        if isinstance(value, str) and '{{' in value:
            continue
        try:
            opt.type(value)
        except (ValueError, TypeError) as exc:
            problems.append('%s: invalid value %r: %s' % (name, value, exc))
    return problems


def main():
    backends = json.load(sys.stdin)
    cfg = load_cinder()
    json.dump([check(cfg, backend) for backend in backends], sys.stdout)


if __name__ == '__main__':
    main()
