# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run by test_nonroot.py as an unprivileged user: a volume's life on RBD.

Argument: a JSON object (work dir, root_helper, RBD options, attach mode).
Prints one JSON line: what happened and how privileged calls are set up.
Deletes what it created, even on failure.
"""

import json
import os
import sys


def main():
    args = json.loads(sys.argv[1])
    work = args['work']
    from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
    cl.setup(file_locks_path=os.path.join(work, 'locks'),
             root_helper=args['root_helper'],
             persistence_config={'storage': 'db', 'connection':
                                 'sqlite:///' + os.path.join(work, 'cl.sqlite')})
    backend = cl.Backend('ceph-nonroot', **args['backend'])
    report = {'euid': os.geteuid(), 'in_virtualenv': sys.prefix != sys.base_prefix,
              'volume_ids': []}
    volume = backend.create_volume(1)
    report['volume_ids'].append(volume.id)
    try:
        if args['attach'] == 'volume':
            connection = volume.attach()      # this host's full connector
        else:
            # What os-brick's RBD connector reports, and nothing else.
            connection = volume.connect({'host': 'cl-nonroot-test',
                                         'ip': '127.0.0.1',
                                         'do_local_attach': False})
            connection.attach()
        device = connection.device['path']
        device.write(b'nonroot' * 64)
        device.seek(0)
        report['read_back'] = device.read(7).decode()
        connection.detach()
        connection.disconnect()
    finally:
        volume.delete()
    report['rows_left'] = len(cl.Backend.persistence.get_volumes(
        backend_name=backend.id))
    report.update(privsep_state())
    report['root_command'] = root_command()
    print(json.dumps(report))


def privsep_state():
    import cinder.privsep
    import os_brick.privileged
    from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
    contexts = (os_brick.privileged.default, cinder.privsep.sys_admin_pctxt)
    return {'root_helper': library_state.cinder().root_helper,
            'daemon_started': [ctx.channel is not None for ctx in contexts],
            'in_process': [not ctx.client_mode for ctx in contexts],
            'helper_command': sorted(set(ctx.conf.helper_command or ''
                                         for ctx in contexts))}


def root_command():
    """What a driver's run_as_root command does for this user."""
    from cinder import utils
    try:
        out, _err = utils.execute('id', '-u', run_as_root=True)
        return 'ran: uid %s' % out.strip()
    except Exception as exc:
        return 'failed: %s: %s' % (type(exc).__name__,
                                   str(exc).strip().splitlines()[0])


if __name__ == '__main__':
    main()
