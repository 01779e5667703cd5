"""``manage.py pushseg_starter_segments [--tag TAG ...] [--refresh] [--update]``."""

from django.core.management.base import BaseCommand

from ...segments.starter import install_starter_segments, most_read_tag


class Command(BaseCommand):
    help = (
        "Install the starter segments (Loyal subscribers, Bargain hunters, Lapsed, New "
        "subscribers, Fans of a tag). Segments whose slug exists already are left as they are, "
        "unless --update is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--tag", action="append", dest="tags", metavar="TAG",
            help="Make a “Fans of TAG” segment; repeat for several tags (default: the "
                 "subscribers' most-read tag, sale tags aside).",
        )
        parser.add_argument(
            "--update", action="store_true",
            help="Give starter segments that exist already today's rules and description "
                 "(replaces an editor's changes to them; the segment's history keeps them).",
        )
        parser.add_argument(
            "--refresh", action="store_true",
            help="Compute the memberships of the starter segments right away.",
        )

    def handle(self, *args, tags=None, refresh=False, update=False, **options):
        if tags is None and most_read_tag() is None:
            self.stdout.write(
                "No page views recorded yet, so there is no most-read tag: add --tag TAG for "
                "a fans segment."
            )
        installed = install_starter_segments(fan_tags=tags, refresh=refresh, update=update)
        for item in installed:
            state = ("created" if item.created else "updated to today's rules" if item.updated
                     else "already there, left as it is")
            line = f"{item.segment.name} ({item.segment.slug}): {state}"
            if item.refreshed is not None:
                line += f"; {item.refreshed.members} members"
            self.stdout.write(line)
        created = sum(1 for item in installed if item.created)
        self.stdout.write(self.style.SUCCESS(
            f"Starter segments: {created} created, {len(installed) - created} already there."
        ))
