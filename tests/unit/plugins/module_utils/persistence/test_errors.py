# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad persistence options fail with one sentence naming the option and the
fix, never an internal error, and never print a password; the same through
a module's db_url."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence
from ansible_collections.openstack.cinderlib.plugins.module_utils import storage_module

PASSWORD = 'secretpw'


def _fails(config):
    with pytest.raises(errors.CinderlibError) as exc:
        persistence.setup(config).set_volume({
            'id': 'v', 'backend': 'b', 'name': None, 'status': 'available',
            'size': 1, 'data': {}})
    message = str(exc.value)
    assert PASSWORD not in message
    assert 'Traceback' not in message and '\n' not in message
    return exc.value


def test_sqlite_path_through_a_file(tmp_path):
    (tmp_path / 'afile').write_text('x')
    for path in ('afile/x.sqlite', 'afile/sub/x.sqlite'):
        exc = _fails({'storage': 'db', 'connection': 'sqlite:///%s' % (
            tmp_path / path)})
        assert isinstance(exc, errors.InvalidConfiguration)
        assert str(exc).endswith(
            '%s is a file, not a directory; choose a path whose directories '
            'exist or can be created' % (tmp_path / 'afile'))


def test_sqlite_path_is_a_directory(tmp_path):
    exc = _fails({'storage': 'db', 'connection': 'sqlite:///%s' % tmp_path})
    assert 'is a directory; name a file in it, e.g. %s' % (
        tmp_path / 'cinderlib.sqlite') in str(exc)


def test_sqlite_file_that_is_not_a_database(tmp_path):
    path = tmp_path / 'notes.txt'
    path.write_text('not a database ' * 100)
    exc = _fails({'storage': 'db', 'connection': 'sqlite:///%s' % path})
    assert 'cannot use the SQLite file %s: file is not a database; point ' \
        'the URL at a SQLite database file' % path in str(exc)


@pytest.mark.skipif(os.geteuid() == 0, reason='root may write anywhere')
def test_sqlite_directory_not_writable(tmp_path):
    locked = tmp_path / 'locked'
    locked.mkdir(mode=0o500)
    exc = _fails({'storage': 'db', 'connection': 'sqlite:///%s' % (
        locked / 'sub' / 'x.sqlite')})
    assert 'choose a path this user can write to' in str(exc)


@pytest.mark.parametrize('url, expected', [
    ('postgres://u:%s@127.0.0.1/x' % PASSWORD,
     "connection postgres://u:***@127.0.0.1/x: unknown database type "
     "'postgres'; use sqlite:////path/to/file.sqlite"),
    ('/var/lib/cinderlib/x.sqlite', "'connection' is not a database URL; "
                                    "use sqlite:////path/to/file.sqlite"),
    ('sqlite:/x.sqlite', "'connection' is not a database URL"),
    ('postgresql+psycopg://u:%s@127.0.0.1:1/x' % PASSWORD,
     'cannot reach database postgresql+psycopg://u:***@127.0.0.1:1/x: '),
    ('postgresql+psycopg://u:%s@nosuchhost.invalid/x' % PASSWORD,
     'check that the server runs there and that the user, password and '
     'database in the URL exist'),
    ('mssql+pymssql://u:%s@127.0.0.1/x' % PASSWORD,
     'the database driver for mssql+pymssql is missing: install'),
])
def test_bad_url(url, expected):
    assert expected in str(_fails({'storage': 'db', 'connection': url}))


@pytest.mark.parametrize('kind', ['postgresql', 'mariadb'])
def test_wrong_password_or_database(kind):
    url = os.environ.get('CL_TEST_PG_URL' if kind == 'postgresql'
                         else 'CL_TEST_MYSQL_URL')
    if not url:
        pytest.skip('set CL_TEST_%s_URL to test %s' % (
            'PG' if kind == 'postgresql' else 'MYSQL', kind))
    import sqlalchemy as sa
    good = sa.engine.make_url(url)
    # The test servers trust local users (any password works there):
    # a user that does not exist, and a database that does not exist.
    for bad in (good.set(username='nosuchuser', password=PASSWORD),
                good.set(database='nosuchdb', password=PASSWORD)):
        message = str(_fails({'storage': 'db', 'connection':
                              bad.render_as_string(hide_password=False)}))
        assert 'cannot reach database %s' % bad.render_as_string(
            hide_password=True) in message
        assert message.endswith('check that the server runs there and that '
                                'the user, password and database in the URL '
                                'exist')


@pytest.mark.parametrize('config, expected', [
    ({'storage': 'nosuch'}, "unknown storage 'nosuch'; use one of db, "
                            "memory, memory_db"),
    ({'storage': 'db', 'connection': 'sqlite://', 'colour': 'red'},
     "storage 'db' takes 'connection', 'unique_names' and SQLAlchemy "
     "create_engine options; sqlite rejected these: colour"),
    ({'storage': 'memory', 'colour': 'red'}, 'MemoryPersistence rejected '
                                             'its options (colour)'),
    ({'storage': 'db', 'connection': 5}, "'connection' is not a database "
                                         "URL"),
])
def test_bad_options(config, expected):
    assert expected in str(_fails(config))


def test_missing_driver_package(monkeypatch):
    # psycopg is installed here: hide it, as on a host without it.
    monkeypatch.setitem(sys.modules, 'psycopg', None)
    exc = _fails({'storage': 'db', 'connection':
                  'postgresql+psycopg://u:%s@127.0.0.1/x' % PASSWORD})
    assert isinstance(exc, errors.MissingDependency)
    assert str(exc) == (
        'persistence_config: the database driver for postgresql+psycopg is '
        'missing: install psycopg (pip install "psycopg[binary]")')


def test_database_gone_after_start(tmp_path):
    # A failure after start-up names the store and what was being done.
    plugin = persistence.setup({'storage': 'db', 'connection':
                                'sqlite:///%s' % (tmp_path / 'x.sqlite')})
    plugin.engine.dispose()
    plugin.engine.pool._creator = _refuse
    with pytest.raises(errors.PersistenceError) as exc:
        plugin.set_volume({'id': 'v1', 'backend': 'b', 'name': None,
                           'status': 'available', 'size': 1, 'data': {}})
    assert str(exc.value) == (
        'persistence: database sqlite:///%s failed while saving volume v1: '
        'disk I/O error' % (tmp_path / 'x.sqlite'))


def _refuse(*_args):
    import sqlite3
    raise sqlite3.OperationalError('disk I/O error')


@pytest.mark.parametrize('option, raw, expected', [
    ('db_url', "persistence_config: 'connection' is not a database URL; "
               "use sqlite:////x", 'db_url: it is not a database URL; use '
                                   'sqlite:////x'),
    ('db_url', 'persistence: cannot reach database x: refused; check that '
               'the user, password and database in the URL exist',
     'db_url: cannot reach database x: refused; check that the user, '
     'password and database in db_url exist'),
    ('db_url', 'the SQLite file /f/x.sqlite cannot be created: /f is a '
               'file, not a directory; choose a path whose directories exist '
               'or can be created',
     'db_url: the SQLite file /f/x.sqlite cannot be created: /f is a file, '
     'not a directory; choose a path whose directories exist or can be '
     'created'),
    ('persistence', "persistence_config: unknown storage 'x'; use one of db",
     "persistence: unknown storage 'x'; use one of db"),
])
def test_module_option_messages(option, raw, expected):
    assert storage_module.persistence_option_message(
        option, errors.InvalidConfiguration(raw)) == expected


def test_module_db_url_through_a_file(tmp_path):
    # The module, run as Ansible runs it (a process per task).
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))), 'modules'))
    try:
        from test_modules import run
    finally:
        sys.path.pop(0)
    (tmp_path / 'afile').write_text('x')
    result = run('cl_volume', tmp_path, name='v1', size=1,
                 db_url='sqlite:///%s' % (tmp_path / 'afile' / 'cl.sqlite'))
    assert result['failed']
    assert result['msg'] == (
        'db_url: the SQLite file %s cannot be created: %s is a file, not a '
        'directory; choose a path whose directories exist or can be created'
        % (tmp_path / 'afile' / 'cl.sqlite', tmp_path / 'afile'))
