"""The test database in autocommit, for tests whose other processes or threads must see what
the test writes (the qcluster tests, the frequency-cap race)."""

from contextlib import contextmanager

from tests.browser.support import restore_migrated_data


@contextmanager
def committed_rows(django_db_blocker):
    """Unblock the database in autocommit; afterwards delete exactly the rows the test made.

    Not pytest-django's ``transactional_db``: its flush afterwards would also empty what the
    migrations put there (Wagtail's root page, groups) for the transactional tests that come
    after.
    """
    from django.contrib.contenttypes.models import ContentType
    from django_q.models import OrmQ, Task
    from wagtail.models import ModelLogEntry

    from wagtail_pushseg.models import Campaign, Segment, Subscriber

    models = (ModelLogEntry, Campaign, Segment, Subscriber, Task, OrmQ)
    with django_db_blocker.unblock():
        if not ContentType.objects.exists():
            # A transactional test with serialized_rollback flushed before: put back what the
            # migrations made (content types, Wagtail's root page), as its next test would.
            restore_migrated_data()
            ContentType.objects.clear_cache()
        # Task's key is a text uuid: keep the ids there, the highest pk elsewhere.
        before = {model: (set(model.objects.values_list("pk", flat=True)) if model is Task
                          else model.objects.order_by("-pk").values_list("pk", flat=True).first()
                          or 0) for model in models}
        try:
            yield
        finally:
            for model in models:  # campaigns (deliveries, targets) before their segments
                if model is Task:
                    Task.objects.exclude(pk__in=before[Task]).delete()
                else:
                    model.objects.filter(pk__gt=before[model]).delete()
