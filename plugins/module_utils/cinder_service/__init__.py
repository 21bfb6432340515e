# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What cinder-volume would prepare for a driver, done in this process.

in_process loads Cinder once (options, objects, locks, privsep); standins
keep the service-only parts of Cinder from loading; driver_db answers the
database calls drivers make from our persistence; volume_types builds the
types drivers read; driver_import, driver_tuning and driver_checks load,
tune and double-check drivers.  The only code that imports Cinder.
"""
