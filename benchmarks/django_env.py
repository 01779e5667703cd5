"""Set up Django for a benchmark: the test settings on a throw-away SQLite file (or
``DATABASE_URL``), migrated, in a temporary folder."""

import os
import sys
import tempfile
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> Path:
    for path in (ROOT, ROOT / "example_site"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    workdir = Path(tempfile.mkdtemp(prefix="pushseg-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return workdir
