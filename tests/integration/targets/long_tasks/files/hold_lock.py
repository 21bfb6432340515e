"""Hold one of the collection's create locks for a while, as a slow array
would keep a create busy: the lock the modules take (through Cinder's
coordination, a tooz file lock in lock_path) for one volume.
Usage: hold_lock.py LOCK_PATH LOCK_NAME MARKER SECONDS
Writes MARKER once the lock is held; SECONDS later, writes MARKER.done and
releases the lock (in that order: whoever got the lock after us finds
MARKER.done)."""
import sys
import time

from tooz import coordination

lock_path, name, marker, seconds = sys.argv[1:5]
coordinator = coordination.get_coordinator('file://' + lock_path, b'it-slow-array')
coordinator.start()
lock = coordinator.get_lock(name.encode('ascii'))
with lock:
    with open(marker, 'w') as f:
        f.write('held\n')
    time.sleep(float(seconds))
    with open(marker + '.done', 'w') as f:
        f.write('releasing\n')
coordinator.stop()
