# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write or read the first bytes of an RBD image through librbd (this
machine's kernel has no krbd): rbd_data.py CONF USER KEYRING POOL IMAGE
write TEXT | read LENGTH."""

import sys

import rados
import rbd


def main(conf, user, keyring, pool, image_name, action, value):
    cluster = rados.Rados(conffile=conf, rados_id=user,
                          conf={'keyring': keyring})
    cluster.connect()
    try:
        with cluster.open_ioctx(pool) as ioctx, \
                rbd.Image(ioctx, image_name) as image:
            if action == 'write':
                image.write(value.encode('utf-8'), 0)
                image.flush()
            else:
                sys.stdout.write(image.read(0, int(value)).decode(
                    'utf-8', 'replace'))
    finally:
        cluster.shutdown()


if __name__ == '__main__':
    main(*sys.argv[1:8])
