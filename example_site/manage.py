#!/usr/bin/env python
"""Django's command-line utility for the example site.

Works from the repository root (``python example_site/manage.py``) and from inside
``example_site``: both folders go on ``sys.path`` so ``config``, ``demo`` and
``wagtail_pushseg`` import without installing anything.
"""

import os
import sys
from pathlib import Path


SITE_DIR = Path(__file__).resolve().parent
REPO_DIR = SITE_DIR.parent


def main() -> None:
    for folder in (str(REPO_DIR), str(SITE_DIR)):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
