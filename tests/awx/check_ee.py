# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an execution environment (EE) gets from the collection, and whether
its Python is one Ceph's bindings work with.

Usage: check_ee.py INTROSPECT_OUTPUT EE_DEFINITION
  INTROSPECT_OUTPUT  `ansible-builder introspect --sanitize` on the collection
                     installed from its tarball
  EE_DEFINITION      the example execution-environment.yml of
                     docs/execution-environment.md

Checks, against tests/awx/ee-expected.yml:
- introspect lists exactly the expected Python and system requirements;
- bindep selects exactly the expected packages for the EE (default profile)
  and for nodes and LVM hosts (profiles node, lvm), on dpkg and rpm;
- the EE's Python is the base image's own python3 (the Python the
  distribution builds python3-rados/python3-rbd for), on Debian bookworm,
  and on this Debian machine python3-rados/-rbd accept that python3's
  version (and import in it, when installed).
Runs with ansible-builder's Python (bindep and PyYAML come with it).
"""

import glob
import os
import re
import subprocess
import sys

import yaml
from bindep.depends import Depends

HERE = os.path.dirname(os.path.abspath(__file__))
PLATFORMS = {'dpkg': ['platform:dpkg', 'platform:debian'],
             'rpm': ['platform:rpm', 'platform:redhat', 'platform:centos']}
PROFILES = {'ee': ['default'], 'node': ['node'], 'lvm': ['lvm']}
BINDINGS = ('python3-rados', 'python3-rbd')

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def introspected(path):
    with open(path) as f:
        found = yaml.safe_load(f) or {}
    strip = re.compile(r'\s+# from collection openstack\.cinderlib$')
    return {kind: [strip.sub('', line) for line in found.get(kind) or []]
            for kind in ('python', 'system')}


def check_introspect(found, expected):
    for kind in ('python', 'system'):
        check(found[kind] == expected['introspect'][kind],
              'ansible-builder introspect lists these %s requirements:\n  %s\n'
              'expected (tests/awx/ee-expected.yml):\n  %s'
              % (kind, '\n  '.join(found[kind]), '\n  '.join(expected['introspect'][kind])))
    depends = Depends('\n'.join(found['system']) + '\n')
    for family, platform in PLATFORMS.items():
        for profile, names in PROFILES.items():
            selected = [rule[0] for rule in depends.active_rules(platform + names)]
            want = expected['packages'][family][profile]
            check(selected == want,
                  'bindep selects %s for %s on %s, expected %s'
                  % (selected, profile, family, want))


def apt_fields(package):
    out = subprocess.run(['apt-cache', 'show', '--no-all-versions', package],
                         capture_output=True, text=True, check=False).stdout
    return dict(re.findall(r'(?m)^(Version|Depends): (.*)$', out))


def version_key(version):
    return [int(part) for part in re.findall(r'\d+', version.split('-')[0])[:2]]


def check_python(definition_path):
    with open(definition_path) as f:
        definition = yaml.safe_load(f)
    image = definition['images']['base_image']['name']
    interpreter = definition['dependencies'].get('python_interpreter') or {}
    check(re.match(r'^(docker\.io/(library/)?)?debian:bookworm(-slim)?$', image),
          'the example EE is based on %s: the bindings check below is for '
          'Debian bookworm; update tests/awx/check_ee.py with the base image' % image)
    check((interpreter.get('package_system'), interpreter.get('python_path'))
          == ('python3', '/usr/bin/python3'),
          'the EE must run the base image\'s own python3 (package_system: '
          'python3, python_path: /usr/bin/python3): Ceph\'s rados/rbd bindings '
          'come from the distribution, built for that Python only; found %r'
          % interpreter)
    check(definition.get('options', {}).get('package_manager_path') == '/usr/bin/apt-get',
          'a Debian base image needs options.package_manager_path: /usr/bin/apt-get')
    with open('/etc/os-release') as f:
        codename = re.search(r'(?m)^VERSION_CODENAME=(.*)$', f.read())
    if not codename or codename.group(1) != 'bookworm':
        print('[ee] not Debian bookworm here: the bindings\' Python is not checked')
        return
    if not apt_fields('python3'):
        subprocess.run(['apt-get', 'update', '-qq'], check=True)
    python3 = apt_fields('python3').get('Version')
    check(python3, 'apt-cache knows no python3')
    for binding in BINDINGS:
        depends = apt_fields(binding).get('Depends', '')
        bounds = re.findall(r'python3 \((<<|>=) ([^)]+)\)', depends)
        check(bounds, '%s declares no python3 version bounds: %r' % (binding, depends))
        for op, bound in bounds:
            ok = (version_key(python3) < version_key(bound) if op == '<<'
                  else version_key(python3) >= version_key(bound))
            check(ok, '%s needs python3 %s %s; bookworm\'s python3 is %s'
                  % (binding, op, bound, python3))
        print('[ee] %s: python3 %s, built for bookworm\'s python3 %s'
              % (binding, ' and '.join(' '.join(b) for b in bounds), python3))
    if all(glob.glob('/usr/lib/python3/dist-packages/%s.cpython-*.so' % m)
           for m in ('rados', 'rbd')):
        result = subprocess.run(['/usr/bin/python3', '-c', 'import rados, rbd, sys; '
                                 'print("%d.%d" % sys.version_info[:2])'],
                                capture_output=True, text=True, check=False)
        check(result.returncode == 0, '/usr/bin/python3 cannot import rados and rbd: %s'
              % result.stderr.strip())
        print('[ee] /usr/bin/python3 %s imports rados and rbd' % result.stdout.strip())


def main():
    introspect_output, definition = sys.argv[1:3]
    with open(os.path.join(HERE, 'ee-expected.yml')) as f:
        expected = yaml.safe_load(f)
    check_introspect(introspected(introspect_output), expected)
    check_python(definition)
    for message in failures:
        print('[ee] FAIL: %s' % message, file=sys.stderr)
    if not failures:
        print('[ee] introspect, bindep profiles and the EE\'s Python as expected')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
