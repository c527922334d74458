"""Seed the demo platform with the demo story and create the demo staff sign-ins.

Idempotent: running it again creates nothing twice, leaves posts in whatever state a measure
left them in, and never resets a password that already exists.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from demo_platform import story_images
from demo_platform.models import Account, Post

# (username, group, password, superuser). Fixed and public: these exist only for the demo.
DEMO_STAFF = [
    ("moderator", "moderator", "moderator-demo-2026", False),
    ("legal", "legal", "legal-demo-2026", False),
    ("admin", "admin", "admin-demo-2026", True),
]
REFERENCE_PHOTO_NAME = "reference_photo_mei_lin.jpg"
SCREENING_USERNAME = "platform-screening"


class Command(BaseCommand):
    help = "Seed the demo platform (accounts, posts, reference photo) and the demo staff users."

    def handle(self, *args, **options):
        seeds = story_images.seed_posts()
        with transaction.atomic():
            new_posts = self._seed_posts(seeds)
            new_users = self._seed_staff()
            screening_token = self._seed_screening_account()
        photo = self._write_reference_photo(story_images.reference_photo_jpeg())

        self.stdout.write(
            f"Demo platform: {len(seeds)} posts ({new_posts} new); staff users: {new_users} new."
        )
        lines = [
            "",
            f"  Open {settings.TAKEDOWN_SITE_URL}/",
            "  Staff sign-in (username / password):",
            *(f"    {username:<10} {password}" for username, _, password, _ in DEMO_STAFF),
            "  The platform's screening account (POST /api/v1/screen/), API token:",
            f"    {screening_token}",
            "  Reference photo to upload when you file a notice as Mei Lin:",
            f"    {photo}",
            "",
        ]
        self.stdout.write("\n".join(lines))

    def _seed_posts(self, seeds) -> int:
        created = 0
        now = timezone.now()
        for position, seed in enumerate(seeds):
            account, _ = Account.objects.get_or_create(
                handle=seed.handle,
                defaults={
                    "display_name": seed.display_name,
                    "email": f"{seed.handle}@users.platform.example",
                    "created_at": now - timedelta(days=30),
                },
            )
            # A post is the same post if the same account posted the same caption. The first
            # seed is shown first, so it gets the newest timestamp.
            _, was_created = Post.objects.get_or_create(
                account=account,
                caption=seed.caption,
                defaults={
                    "image": seed.image_jpeg,
                    "created_at": now - timedelta(hours=position + 1),
                },
            )
            created += was_created
        return created

    def _seed_staff(self) -> int:
        User = get_user_model()
        created = 0
        for username, group_name, password, superuser in DEMO_STAFF:
            # The cases app's migration creates the role groups; get_or_create works either way.
            group, _ = Group.objects.get_or_create(name=group_name)
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username, email=f"{username}@platform.example", password=password
                )
                created += 1
            if not user.is_staff or user.is_superuser != superuser:
                user.is_staff, user.is_superuser = True, superuser
                user.save(update_fields=["is_staff", "is_superuser"])
            user.groups.add(group)
        return created

    def _seed_screening_account(self) -> str:
        """The demo platform's own account for screening uploads against the staydown bank: a
        member of the screening group (not staff), with an API token."""
        group, _ = Group.objects.get_or_create(name=settings.TAKEDOWN_SCREENING_GROUP)
        user, _ = get_user_model().objects.get_or_create(
            username=SCREENING_USERNAME, defaults={"email": "screening@platform.example"}
        )
        if user.has_usable_password():
            user.set_unusable_password()  # it signs in with its token only
            user.save(update_fields=["password"])
        user.groups.add(group)
        return Token.objects.get_or_create(user=user)[0].key

    def _write_reference_photo(self, jpeg: bytes):
        directory = settings.VAR_DIR / "demo"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / REFERENCE_PHOTO_NAME
        if not path.exists() or path.read_bytes() != jpeg:
            path.write_bytes(jpeg)
        return path
