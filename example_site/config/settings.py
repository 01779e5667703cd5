"""Settings of the example site: a demo shop, not a production template.

Everything the demo writes (database, VAPID keys, sandbox state, media) lives in ``<repo>/.demo/``,
so ``rm -rf .demo`` starts over.
"""

import json
import os
from pathlib import Path

import dj_database_url


SITE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = SITE_DIR.parent
DEMO_DIR = Path(os.environ.get("PUSHSEG_DEMO_DIR", REPO_DIR / ".demo"))
DEMO_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-not-secret")
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "wagtail_pushseg",
    "demo",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_q",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default="sqlite:///" + str(DEMO_DIR / "db.sqlite3"), conn_max_age=60
    )
}
# The runserver, qcluster and load_demo_data share one SQLite file: wait for locks, don't fail.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS: list[dict] = []  # the demo logins are admin/changeme

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DEMO_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DEMO_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

WAGTAIL_SITE_NAME = "Pushseg Demo Shop"
WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]

# Django-Q2 on the ORM broker: no Redis needed to run the demo.
Q_CLUSTER = {
    "name": "pushseg-demo",
    "orm": "default",
    "workers": 2,
    "timeout": 120,
    "retry": 180,
    "catch_up": False,
}


def _demo_vapid_keys() -> tuple[str, str]:
    """The demo's own VAPID pair, made on first run so that no key is checked in."""
    path = DEMO_DIR / "vapid.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data["private"], data["public"]
    except (OSError, ValueError, KeyError):
        pass
    from wagtail_pushseg.delivery.vapid import generate_keys

    private, public = generate_keys()
    # Written privately and atomically: two processes starting at once must agree on one key.
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"private": private, "public": public}, fh, indent=1)
    try:
        os.link(tmp, path)  # fails if another process won the race; then use its keys
    except FileExistsError:
        os.unlink(tmp)
        return _demo_vapid_keys()
    os.unlink(tmp)
    return private, public


_private, _public = _demo_vapid_keys()
WAGTAIL_PUSHSEG = {
    "VAPID_PUBLIC_KEY": os.environ.get("PUSHSEG_VAPID_PUBLIC_KEY") or _public,
    "VAPID_PRIVATE_KEY": os.environ.get("PUSHSEG_VAPID_PRIVATE_KEY") or _private,
    "VAPID_SUBJECT": "mailto:demo@example.com",
    # The push sandbox of run_demo.py stands in for the browsers' push services.
    "ALLOWED_ENDPOINT_ORIGINS": ["http://127.0.0.1:8001"],
    "PROMPT_AFTER_PAGE_VIEWS": 2,
    # The sandbox plays every device's reader from 127.0.0.1, so each campaign's receipts and
    # clicks come from one address: the per-client limit (30/m) would drop most of them.
    "RATE_LIMIT": "100000/m",
}

# Where run_demo.py keeps the push sandbox's subscriptions (load_demo_data fills it).
PUSHSEG_DEMO_SANDBOX_STATE = DEMO_DIR / "sandbox.json"
