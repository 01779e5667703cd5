from django.core.management.base import BaseCommand, CommandError

from ...conf import pushseg_settings
from ...delivery.vapid import generate_keys


class Command(BaseCommand):
    help = "Make a VAPID key pair (P-256) and print the WAGTAIL_PUSHSEG settings lines."
    # The system check that reports missing keys tells people to run this command: it must
    # not be stopped by that very check.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Print a new pair even though keys are configured (subscribers made with the "
            "old public key stop receiving pushes until they subscribe again).",
        )

    def handle(self, *args, force=False, **options):
        if pushseg_settings.VAPID_PRIVATE_KEY and not force:
            raise CommandError(
                "VAPID keys are already configured. Replacing them cuts off every existing "
                "subscriber; use --force if that is what you want."
            )
        private, public = generate_keys()
        self.stdout.write(
            "# Add to settings.WAGTAIL_PUSHSEG (keep the private key out of version control):\n"
            f'"VAPID_PUBLIC_KEY": "{public}",\n'
            f'"VAPID_PRIVATE_KEY": "{private}",\n'
            '"VAPID_SUBJECT": "mailto:you@example.com",\n'
        )
