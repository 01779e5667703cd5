"""Public URLs. Include at the site root, before Wagtail's own catch-all::

    path("", include("wagtail_pushseg.urls")),

The service worker must be served from the root to control every page; the JSON API lives
under ``pushseg/api/``.
"""

from django.urls import path

from .api import receipts
from .api import views as api
from .frontend import views as frontend


app_name = "wagtail_pushseg"

urlpatterns = [
    path("pushseg-sw.js", frontend.service_worker, name="service_worker"),
    path("pushseg/api/subscribe", api.subscribe, name="subscribe"),
    path("pushseg/api/unsubscribe", api.unsubscribe, name="unsubscribe"),
    path("pushseg/api/track", api.track, name="track"),
    path("pushseg/api/vapid-public-key", api.vapid_public_key, name="vapid_public_key"),
    # A notification's signed links: the click (a redirect) and its receipts (JSON POST).
    path("pushseg/c/<str:token>", receipts.click, name="click"),
    path("pushseg/api/receipt/<str:token>", receipts.receipt, name="receipt"),
]
