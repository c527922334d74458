from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from takedown.security import ENROLMENT_WINDOW, is_staff_user, open_enrolment


class Command(BaseCommand):
    help = (
        "Let a staff member add a first authenticator app (with TAKEDOWN_REQUIRE_OTP_FOR_STAFF, "
        "a password alone adds none) for the next 24 hours, at /accounts/second-factor/enrol/. "
        "Also for a lost phone: add --replace to remove the person's current devices."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Remove the person's confirmed devices first (a lost or replaced phone).",
        )

    def handle(self, *args, username, replace, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is named {username!r}.")
        if not is_staff_user(user):
            raise CommandError(f"{username!r} is not staff: only staff enrol a second factor.")
        from django_otp.plugins.otp_totp.models import TOTPDevice

        confirmed = TOTPDevice.objects.filter(user=user, confirmed=True)
        if confirmed.exists() and not replace:
            raise CommandError(
                f"{username!r} already has a confirmed device: they add more after verifying "
                "it. For a lost phone, run again with --replace."
            )
        removed = confirmed.count()
        confirmed.delete()
        open_enrolment(user)
        hours = int(ENROLMENT_WINDOW.total_seconds() // 3600)
        if removed:
            self.stdout.write(f"Removed {removed} confirmed device(s) of {username}.")
        self.stdout.write(
            f"Enrolment opened for {username} for {hours} hours: they sign in and go to "
            "/accounts/second-factor/enrol/."
        )
