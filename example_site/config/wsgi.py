"""WSGI entry point of the example site."""

import os
import sys
from pathlib import Path

from django.core.wsgi import get_wsgi_application


_SITE_DIR = Path(__file__).resolve().parent.parent
for _folder in (str(_SITE_DIR.parent), str(_SITE_DIR)):
    if _folder not in sys.path:
        sys.path.insert(0, _folder)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
