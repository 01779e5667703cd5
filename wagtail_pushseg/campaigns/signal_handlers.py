from django.utils import timezone

from .services import page_went_live


def queue_campaigns_waiting_for_page(sender, instance, **kwargs) -> None:
    """A page was published: campaigns waiting for it are queued once, after the commit.

    Wagtail sends ``page_published`` also when a revision of a live page is only scheduled (the
    old content stays live); that is not the moment, ``publish_scheduled`` sends it again then.
    """
    if instance.go_live_at and instance.go_live_at > timezone.now():
        return
    page_went_live(instance)
