"""System checks: a site cannot push without a usable VAPID key pair and subject."""

from django.core.checks import Error, Tags, register

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
