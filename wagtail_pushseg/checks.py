"""System checks: a site cannot push without a usable VAPID key pair and subject."""

from django.core.checks import Error, Tags, Warning, register

from .conf import pushseg_settings
from .delivery.vapid import VapidKeyError, load_private_key, public_key_of


KEYS_HINT = (
    "Run `python manage.py pushseg_vapid_keys` and put the lines it prints into "
    "settings.WAGTAIL_PUSHSEG."
)


@register(Tags.security)
def check_vapid(app_configs=None, **kwargs) -> list[Error]:
    errors: list[Error] = []
    public = pushseg_settings.VAPID_PUBLIC_KEY
    private = pushseg_settings.VAPID_PRIVATE_KEY
    subject = pushseg_settings.VAPID_SUBJECT
    if not public or not private:
        missing = " and ".join(
            name for name, value in (("VAPID_PUBLIC_KEY", public), ("VAPID_PRIVATE_KEY", private))
            if not value
        )
        errors.append(
            Error(f"WAGTAIL_PUSHSEG has no {missing}.", hint=KEYS_HINT, id="wagtail_pushseg.E001")
        )
    else:
        try:
            derived = public_key_of(load_private_key(private))
        except VapidKeyError as exc:
            errors.append(
                Error(f"WAGTAIL_PUSHSEG VAPID_PRIVATE_KEY is unusable: {exc}.", hint=KEYS_HINT,
                      id="wagtail_pushseg.E002")
            )
        else:
            if derived != public.strip().rstrip("="):
                errors.append(
                    Error(
                        "WAGTAIL_PUSHSEG VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY.",
                        hint="Copy both keys from the same run of `manage.py pushseg_vapid_keys`.",
                        id="wagtail_pushseg.E003",
                    )
                )
    if not subject.startswith(("mailto:", "https://")) or subject in ("mailto:", "https://"):
        errors.append(
            Error(
                f"WAGTAIL_PUSHSEG VAPID_SUBJECT must be a mailto: or https: URL, not {subject!r}.",
                hint='For example "mailto:webmaster@example.com"; push services use it to '
                "contact you.",
                id="wagtail_pushseg.E004",
            )
        )
    return errors


@register()
def check_delivery_controls(app_configs=None, **kwargs) -> list:
    """Quiet hours that cannot be read, caps below 1, and a send rate its cache cannot share."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    problems: list = []
    try:
        _ = pushseg_settings.QUIET_HOURS  # parsing is the check
    except ImproperlyConfigured as exc:
        problems.append(Error(str(exc), hint='For example ("21:00", "08:00").',
                              id="wagtail_pushseg.E010"))
    for name in ("FREQUENCY_CAP_PER_DAY", "FREQUENCY_CAP_PER_WEEK"):
        value = getattr(settings, "WAGTAIL_PUSHSEG", {}).get(name)
        if value is not None and (not isinstance(value, int) or value < 1):
            problems.append(Error(f"WAGTAIL_PUSHSEG {name} must be a whole number of at least 1 "
                                  "or None.", id="wagtail_pushseg.E011"))
    if pushseg_settings.SEND_RATE_LIMIT is not None:
        alias = pushseg_settings.SEND_RATE_CACHE
        backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
        if not backend or backend.endswith(("DummyCache", "LocMemCache")):
            problems.append(Warning(
                f"SEND_RATE_LIMIT counts in the cache {alias!r} ({backend or 'not configured'}), "
                "which the worker processes do not share: each gets the whole limit, or none.",
                hint="Point SEND_RATE_CACHE at a shared cache such as Redis.",
                id="wagtail_pushseg.W010",
            ))
    return problems
