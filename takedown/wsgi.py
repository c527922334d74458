import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "takedown.settings")
application = get_wsgi_application()

# Build the staydown bank's index before serving (TAKEDOWN_STAYDOWN_WARM_START), so that the
# first screening request does not pay for it.
from staydown import bank  # noqa: E402 - needs the apps loaded above

bank.warm_start()
