"""Settings of the real ``qcluster`` processes that the multi-worker tests start.

The test suite's settings, pointed by the environment at the pytest-django test database
(``DATABASE_URL``), the Redis queue of the test (``PUSHSEG_Q_CLUSTER``, JSON) and the plugin
settings of the test (``PUSHSEG_SETTINGS``, JSON: the same VAPID keys and sandbox origin).
"""

import json
import os

from tests.settings import *  # noqa: F403


WAGTAIL_PUSHSEG = json.loads(os.environ["PUSHSEG_SETTINGS"])
Q_CLUSTER = json.loads(os.environ["PUSHSEG_Q_CLUSTER"])
