from django.core.management.base import BaseCommand, CommandError

from notices.authentication import api_token_create
from notices.models import Organisation


class Command(BaseCommand):
    help = (
        "Create an API token for a registered organisation (trusted flagger or agent) and print "
        "its key. The key is shown only this once: only its hash is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="The organisation's name, exactly as registered.")
        parser.add_argument(
            "--name", required=True, help="What the token is for, e.g. 'case system'."
        )

    def handle(self, *args, organisation, name, **options):
        try:
            org = Organisation.objects.get(name=organisation)
        except Organisation.DoesNotExist:
            known = ", ".join(Organisation.objects.values_list("name", flat=True)) or "none"
            raise CommandError(
                f"No organisation is named {organisation!r}. Register it in the admin first "
                f"(Organisations). Registered: {known}."
            ) from None
        if not org.active:
            raise CommandError(f"The organisation {org.name!r} is not active: no token created.")
        name = name.strip()
        if not name:
            raise CommandError("--name must not be empty.")
        token, key = api_token_create(org, name)
        self.stdout.write(f"API token {token.prefix}… for {org} created.")
        self.stdout.write("Key (shown only now; store it safely, it cannot be read back):")
        self.stdout.write(key)
