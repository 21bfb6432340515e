# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
import os
import sys

# fake_driver is imported by path, as users name any driver module.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
