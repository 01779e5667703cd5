import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _


def endpoint_hash(endpoint: str) -> str:
    """SHA-256 of the endpoint: endpoints can be longer than an index allows, the hash is not."""
    return hashlib.sha256(endpoint.encode("utf-8")).hexdigest()


def new_visitor_id() -> str:
    return uuid.uuid4().hex


class SubscriberQuerySet(models.QuerySet):
    def active(self) -> "SubscriberQuerySet":
        return self.filter(status=Subscriber.Status.ACTIVE)


class Subscriber(models.Model):
    """One browser's push subscription, and the visitor it belongs to.

    Only visitors who opted in have a row; the visitor id links their later page views to it.
    Deleting the row erases the subscriber (everything else about them cascades from it; their
    deliveries stay in the ledger without them, so campaign results keep their counts).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        #: Not seen and not reachable for ``RETIRE_AFTER_DAYS``: no longer sent to or tracked.
        RETIRED = "retired", _("Retired (unreachable)")
        #: Its push service refuses our signature for it alone (made for another key).
        INVALID = "invalid", _("Invalid")

    #: The push service URL; unique through ``endpoint_hash``.
    endpoint = models.TextField(_("endpoint"))
    endpoint_hash = models.CharField(max_length=64, unique=True, editable=False)
    #: Browser's public key (base64url uncompressed P-256 point) and auth secret (RFC 8291).
    p256dh = models.CharField(_("p256dh key"), max_length=100)
    auth = models.CharField(_("auth secret"), max_length=32)
    #: First-party cookie value linking later visits to this subscription.
    visitor_id = models.CharField(
        _("visitor id"), max_length=32, default=new_visitor_id, db_index=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="push_subscriptions",
    )
    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    browser = models.CharField(_("browser"), max_length=32, blank=True)
    platform = models.CharField(_("platform"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=35, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    created_at = models.DateTimeField(_("subscribed at"), default=dj_timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(_("last seen"), default=dj_timezone.now)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    #: Why the subscriber is no longer reached (an invalid one: what its push service said).
    status_reason = models.CharField(_("status detail"), max_length=300, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        ordering = ["-created_at", "-pk"]
        permissions = [("send_test_push", _("Can send a test push to a subscriber"))]

    def __str__(self) -> str:
        parts = [self.browser or _("Browser"), self.platform, self.language]
        return " · ".join(str(p) for p in parts if p) + f" #{self.pk}"

    def save(self, *args, **kwargs) -> None:
        self.endpoint_hash = endpoint_hash(self.endpoint)
        super().save(*args, **kwargs)

    @property
    def subscription_info(self) -> dict:
        """The PushSubscription JSON, as a browser gave it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    def mark_expired(self, when=None) -> None:
        self.status = self.Status.EXPIRED
        self.expired_at = when or dj_timezone.now()
        self.save(update_fields=["status", "expired_at"])
