"""Settings for takedown, read from the environment with embedded defaults.

With no environment set this is the embedded default: SQLite, evidence on local disk,
Celery tasks executed eagerly in-process, e-mail to the console and the built-in demo
platform. Every name read here is listed in the README's settings table.
"""

from datetime import timedelta
from pathlib import Path

from django.utils.translation import gettext_noop

from .env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TAKEDOWN_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded default keeps its database here

# The embedded default key is marked insecure so that `check --deploy` flags it when unset.
SECRET_KEY = env_str(
    "DJANGO_SECRET_KEY", "django-insecure-embedded-default-key-set-DJANGO_SECRET_KEY-in-production"
)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "notices",
    "cases",
    "demo_platform",
    "staydown",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the switcher's choice (a cookie), else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "takedown.security.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "takedown.urls"
WSGI_APPLICATION = "takedown.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "takedown" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "takedown.views.site",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
DATABASES = {
    "default": database_from_url(_database_url)
    if _database_url
    else {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "takedown.sqlite3",
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks every sign-in (site and admin) before the password is tried.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cases:queue"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
# Every page and e-mail exists in these languages; tests/test_translations.py checks that
# the Chinese catalogues are complete.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
# The project's own strings (takedown/); each app keeps its catalogue in <app>/locale.
LOCALE_PATHS = [BASE_DIR / "takedown" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "takedown" / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)

# Evidence (identity documents, reference photos, snapshots of reported content) is private:
# the storage has no public URL and files are served only through a permission-checked view.
EVIDENCE_ROOT = VAR_DIR / "evidence"
TAKEDOWN_S3_BUCKET = env_str("TAKEDOWN_S3_BUCKET")
if TAKEDOWN_S3_BUCKET:
    _evidence_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": TAKEDOWN_S3_BUCKET,
            "endpoint_url": env_str("TAKEDOWN_S3_ENDPOINT_URL") or None,
            "region_name": env_str("TAKEDOWN_S3_REGION") or None,
            "access_key": env_str("TAKEDOWN_S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("TAKEDOWN_S3_SECRET_ACCESS_KEY") or None,
            "location": "evidence",
            # Private objects, never overwritten, reached only through the evidence view.
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "object_parameters": {"ServerSideEncryption": "AES256"}
            if env_bool("TAKEDOWN_S3_SSE", True)
            else {},
        },
    }
else:
    _evidence_storage = {
        "BACKEND": "takedown.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(EVIDENCE_ROOT)},
    }
# Identity and authorisation documents are encrypted at rest (Fernet). Comma-separated keys,
# newest first: new files use the first, reading tries each (README, "Evidence encryption").
# Empty: a development key created under var/ (the deploy check refuses that).
TAKEDOWN_EVIDENCE_KEYS = env_list("TAKEDOWN_EVIDENCE_KEYS", [])
# Identity documents are shown only to staff with the notices.view_identity_document
# permission (legal, admin; granted to others one by one). True also lets the moderator holding
# the case's live claim see them without it.
TAKEDOWN_IDENTITY_DOCUMENTS_WITH_CLAIM = env_bool("TAKEDOWN_IDENTITY_DOCUMENTS_WITH_CLAIM", False)
# Retention after a case closes (notices/retention.py; README, "Retention and erasure").
TAKEDOWN_RETENTION_IDENTITY_DAYS = env_int("TAKEDOWN_RETENTION_IDENTITY_DAYS", 90)
TAKEDOWN_RETENTION_PHOTO_DAYS = env_int("TAKEDOWN_RETENTION_PHOTO_DAYS", 365)
TAKEDOWN_LEGAL_HOLD_DAYS = env_int("TAKEDOWN_LEGAL_HOLD_DAYS", 1095)
# The files' SHA-256 and the match results' perceptual hashes: cleared this long after the
# case closes (and not before its files are deleted). Default: the legal hold.
TAKEDOWN_RETENTION_HASHES_DAYS = env_int("TAKEDOWN_RETENTION_HASHES_DAYS", TAKEDOWN_LEGAL_HOLD_DAYS)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media"), "base_url": None},
    },
    "evidence": _evidence_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Throttle counters must be shared by every web process in production: use Redis there.
_cache_url = env_str("TAKEDOWN_CACHE_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
    if _cache_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "takedown@platform.example")

# Behind HTTPS in production (TAKEDOWN_HTTPS=true): secure cookies, HSTS, redirect to https.
if env_bool("TAKEDOWN_HTTPS", False):
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy: scripts and styles only from our own static files, nothing inline,
# no plugins, no framing. Pages needing more (the API docs) widen it per view.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # blob: lets the filing form preview the photos a complainant has picked, locally.
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Sign-in lockout (django-axes): after TAKEDOWN_LOGIN_FAILURE_LIMIT failed sign-ins for one
# username from one address, that pair is refused for TAKEDOWN_LOGIN_LOCKOUT_MINUTES (the
# site's sign-in and the admin's). Counted in the shared cache when TAKEDOWN_CACHE_URL is set
# (Redis: every web process sees the same count), else in the database (axes' own tables).
AXES_FAILURE_LIMIT = env_int("TAKEDOWN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TAKEDOWN_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = (
    "axes.handlers.cache.AxesCacheHandler"
    if _cache_url
    else "axes.handlers.database.AxesDatabaseHandler"
)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "takedown.security.client_ip"
AXES_VERBOSE = False

# Second factor for staff (django-otp, TOTP). Staff may always enrol a device; with
# TAKEDOWN_REQUIRE_OTP_FOR_STAFF=true, staff pages, the staff API (signed in) and the admin
# need a device verified in this session.
TAKEDOWN_REQUIRE_OTP_FOR_STAFF = env_bool("TAKEDOWN_REQUIRE_OTP_FOR_STAFF", False)
OTP_TOTP_ISSUER = env_str("TAKEDOWN_OTP_ISSUER", "takedown")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Celery: eager in the embedded default, a real broker when CELERY_BROKER_URL is set.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not env_str("CELERY_BROKER_URL"))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # An unacknowledged task (its worker died) is delivered again after this many seconds.
    "visibility_timeout": env_int("TAKEDOWN_TASK_VISIBILITY_TIMEOUT", 3600),
    # Sending a task to an unreachable broker gives up after about half a second (kombu would
    # otherwise sleep 2 s before its second try, for every task of the request).
    "interval_start": 0.1,
    "interval_step": 0.1,
    "interval_max": 0.2,
    "connect_retries_timeout": 0.5,
}
# Enqueueing must not hang a request when the broker is down: fail fast, the sweeper catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE = {
    "requeue-stalled-work": {
        "task": "cases.tasks.requeue_stalled_work",
        "schedule": float(env_int("TAKEDOWN_SWEEP_SECONDS", 60)),
    },
    "enforce-deadlines": {
        "task": "cases.tasks.enforce_deadlines",
        "schedule": float(env_int("TAKEDOWN_DEADLINE_SWEEP_SECONDS", 300)),
    },
    "purge-expired-evidence": {
        "task": "notices.tasks.purge_expired_evidence",
        "schedule": float(env_int("TAKEDOWN_RETENTION_SWEEP_SECONDS", 3600)),
    },
    "remove-orphaned-evidence": {
        "task": "notices.tasks.remove_orphaned_evidence",
        "schedule": float(env_int("TAKEDOWN_RETENTION_SWEEP_SECONDS", 3600)),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

REST_FRAMEWORK = {
    # Token first, so that an anonymous API call is told how to authenticate (401).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "takedown.security.SecondFactorSessionAuthentication",
    ],
    # Client addresses for throttling come from REMOTE_ADDR unless proxies are declared, so a
    # forged X-Forwarded-For cannot reset a client's count.
    "NUM_PROXIES": env_int("TAKEDOWN_NUM_PROXIES", 0),
    "DEFAULT_PERMISSION_CLASSES": ["cases.permissions.IsStaffMember"],
    "DEFAULT_PARSER_CLASSES": [
        "takedown.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("TAKEDOWN_PAGE_SIZE", 25),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "notices": env_str("TAKEDOWN_THROTTLE_NOTICES", "20/hour"),
        "tracking": env_str("TAKEDOWN_THROTTLE_TRACKING", "120/hour"),
        "screening": env_str("TAKEDOWN_THROTTLE_SCREENING", "1200/minute"),
    },
    "EXCEPTION_HANDLER": "takedown.api.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "takedown API",
    "DESCRIPTION": "Portrait-right takedown notices: intake, tracking, review and measures.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The API's description is public: a staff session that has not verified its second
    # factor may read it too (every other API view refuses such a session).
    "SERVE_AUTHENTICATION": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents the error answers it really gives (takedown/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "takedown.openapi.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MeasureEnum": "notices.models.Measure",
        "ItemOutcomeEnum": "notices.models.ReportedItem.Outcome",
        "DecisionOutcomeEnum": "cases.models.Decision.Outcome",
    },
}

# --- takedown policy -------------------------------------------------------------------------
TAKEDOWN_SITE_URL = env_str("TAKEDOWN_SITE_URL", "http://127.0.0.1:8000")
TAKEDOWN_REFERENCE_PREFIX = env_str("TAKEDOWN_REFERENCE_PREFIX", "TD")

# Uploads: checked by content, capped in bytes and pixels, EXIF stripped on re-encode.
TAKEDOWN_MAX_UPLOAD_BYTES = env_int("TAKEDOWN_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
TAKEDOWN_MAX_IMAGE_PIXELS = env_int("TAKEDOWN_MAX_IMAGE_PIXELS", 40_000_000)
TAKEDOWN_MAX_REFERENCE_PHOTOS = 5
TAKEDOWN_MAX_REPORTED_ITEMS = env_int("TAKEDOWN_MAX_REPORTED_ITEMS", 20)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Image match: mean of pHash and dHash Hamming distances (64-bit hashes) of the best pair.
TAKEDOWN_MATCH_THRESHOLD = env_int("TAKEDOWN_MATCH_THRESHOLD", 10)
TAKEDOWN_POSSIBLE_THRESHOLD = env_int("TAKEDOWN_POSSIBLE_THRESHOLD", 15)

# Staydown bank: screening answers entries within this many PDQ bits (of 256; 31 is the usual
# "same photo" cut-off and the most the index answers exactly); the group of the platform's
# screening account; how far back each process's index looks when catching up (seconds): a
# write committed later than this after it was stamped is seen only by processes started after
# it; whether a web process builds the index as it starts (takedown/wsgi.py) or at first use.
TAKEDOWN_STAYDOWN_MAX_DISTANCE = env_int("TAKEDOWN_STAYDOWN_MAX_DISTANCE", 31)
TAKEDOWN_SCREENING_GROUP = env_str("TAKEDOWN_SCREENING_GROUP", "platform")
TAKEDOWN_STAYDOWN_SYNC_OVERLAP = env_int("TAKEDOWN_STAYDOWN_SYNC_OVERLAP", 300)
TAKEDOWN_STAYDOWN_WARM_START = env_bool("TAKEDOWN_STAYDOWN_WARM_START", True)

# Hours from receipt to the review deadline, by the best verdict among a case's items.
TAKEDOWN_DUE_HOURS = {
    "match": env_int("TAKEDOWN_DUE_HOURS_MATCH", 24),
    "possible": env_int("TAKEDOWN_DUE_HOURS_POSSIBLE", 48),
    "no_match": env_int("TAKEDOWN_DUE_HOURS_NO_MATCH", 72),
    "unavailable": env_int("TAKEDOWN_DUE_HOURS_UNAVAILABLE", 72),
    "pending": env_int("TAKEDOWN_DUE_HOURS_PENDING", 48),
}
# Trusted flaggers' notices (DSA art. 22) are due within this many hours at most.
TAKEDOWN_DUE_HOURS_TRUSTED = env_int("TAKEDOWN_DUE_HOURS_TRUSTED", 12)
# Hours within which the receipt must have gone out (DSA art. 16(4): without undue delay).
TAKEDOWN_ACKNOWLEDGEMENT_HOURS = env_int("TAKEDOWN_ACKNOWLEDGEMENT_HOURS", 1)

# The counter-notice policy (Civil Code art. 1196 leaves "a reasonable period"):
# "prc" waits TAKEDOWN_COUNTER_NOTICE_DAYS calendar days (15, by analogy with E-Commerce Law
# art. 43); "dmca" restores after TAKEDOWN_DMCA_RESTORE_BUSINESS_DAYS business days (512(g):
# 10 to 14). The policy and its basis are recorded on every counter-notice.
TAKEDOWN_COUNTER_NOTICE_POLICY = env_str("TAKEDOWN_COUNTER_NOTICE_POLICY", "prc")
TAKEDOWN_COUNTER_NOTICE_DAYS = env_int("TAKEDOWN_COUNTER_NOTICE_DAYS", 15)
TAKEDOWN_DMCA_RESTORE_BUSINESS_DAYS = env_int("TAKEDOWN_DMCA_RESTORE_BUSINESS_DAYS", 10)
# Public holidays (ISO dates, comma-separated) that do not count as business days.
TAKEDOWN_PUBLIC_HOLIDAYS = env_list("TAKEDOWN_PUBLIC_HOLIDAYS", [])
# Whether the uploader is given the complainant's name and e-mail with the forwarded notice.
TAKEDOWN_FORWARD_COMPLAINANT_CONTACT = env_bool("TAKEDOWN_FORWARD_COMPLAINANT_CONTACT", False)
# The language of the messages sent to uploaders through the platform (one of LANGUAGES):
# the platform's own language, since we do not know each uploader's.
TAKEDOWN_PLATFORM_LANGUAGE = env_str("TAKEDOWN_PLATFORM_LANGUAGE", LANGUAGE_CODE)
# Appeals (DSA art. 20): open this many calendar months (at least 6) after the party was told
# of the decision, and to be decided within TAKEDOWN_APPEAL_DECISION_DAYS.
TAKEDOWN_APPEAL_WINDOW_MONTHS = env_int("TAKEDOWN_APPEAL_WINDOW_MONTHS", 6)
TAKEDOWN_APPEAL_DECISION_DAYS = env_int("TAKEDOWN_APPEAL_DECISION_DAYS", 7)
# Days staff have to review a measure the complainant defended with proof of legal action.
TAKEDOWN_DISPUTE_REVIEW_DAYS = env_int("TAKEDOWN_DISPUTE_REVIEW_DAYS", 30)
# Where escalations of missed deadlines are e-mailed (comma-separated); empty: to every active
# member of the legal role who has an e-mail address. Either way the case is flagged in the queue.
TAKEDOWN_ESCALATION_EMAIL = env_str("TAKEDOWN_ESCALATION_EMAIL")

# Repeat infringers: uploaders with this many upheld cases within the window are flagged;
# TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE (e.g. "suspend") is then asked of the platform.
TAKEDOWN_REPEAT_INFRINGER_THRESHOLD = env_int("TAKEDOWN_REPEAT_INFRINGER_THRESHOLD", 3)
TAKEDOWN_REPEAT_INFRINGER_WINDOW_DAYS = env_int("TAKEDOWN_REPEAT_INFRINGER_WINDOW_DAYS", 365)
TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE = env_str("TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE")
# As DSA art. 23(1) asks: a prior warning first (the measure follows the next upheld case after
# it), and a suspension for a period, lifted by the deadline job (0: no end; "terminate" never
# ends).
TAKEDOWN_REPEAT_INFRINGER_WARN_FIRST = env_bool("TAKEDOWN_REPEAT_INFRINGER_WARN_FIRST", True)
TAKEDOWN_REPEAT_INFRINGER_SUSPENSION_DAYS = env_int("TAKEDOWN_REPEAT_INFRINGER_SUSPENSION_DAYS", 90)
# The ground of that account measure, in its statement of reasons (to the uploader and to the
# EU Transparency Database), like a decision ground below. The reference is marked for
# translation and shown to the uploader in the platform's language.
TAKEDOWN_REPEAT_INFRINGER_GROUND = {
    "reference": gettext_noop("Terms of service: repeat infringement of others' portrait rights"),
    "explanation": (
        "Accounts whose content is repeatedly found to use other people's portraits unlawfully "
        "are restricted under the platform's repeat-infringer policy."
    ),
    "dsa": {
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "category": "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    },
}
# Notifiers (DSA art. 23): a warning after this many notices rejected as manifestly unfounded
# within the window, a suspension of TAKEDOWN_NOTIFIER_SUSPENSION_DAYS after the next ones.
TAKEDOWN_UNFOUNDED_WARNING_AFTER = env_int("TAKEDOWN_UNFOUNDED_WARNING_AFTER", 2)
TAKEDOWN_UNFOUNDED_SUSPEND_AFTER = env_int("TAKEDOWN_UNFOUNDED_SUSPEND_AFTER", 3)
TAKEDOWN_UNFOUNDED_WINDOW_DAYS = env_int("TAKEDOWN_UNFOUNDED_WINDOW_DAYS", 180)
TAKEDOWN_NOTIFIER_SUSPENSION_DAYS = env_int("TAKEDOWN_NOTIFIER_SUSPENSION_DAYS", 90)

# Grounds a decision may give (the statement of reasons, DSA art. 17). "dsa" holds the EU
# Transparency Database values the ground maps to. The default labels are marked for
# translation and shown in the reader's language; a label configured otherwise is shown as is.
TAKEDOWN_DECISION_GROUNDS = {
    "portrait_right": {
        "label": gettext_noop("Unauthorised use of a person's portrait"),
        "outcomes": ["uphold"],
        "reference": "PRC Civil Code arts. 1018-1019 (portrait right)",
        "explanation": (
            "The content shows the complainant's portrait without their consent, in a use that "
            "none of the exceptions of Civil Code art. 1020 covers."
        ),
        "dsa": {
            "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
            "category": "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        },
    },
    "impersonation_terms": {
        "label": gettext_noop("Impersonation (terms of service)"),
        "outcomes": ["uphold"],
        "reference": "Terms of service: impersonation and misleading use of another's likeness",
        "explanation": "The content uses the complainant's likeness to impersonate them.",
        "dsa": {
            "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
            "category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        },
    },
    "not_the_complainant": {
        "label": gettext_noop("The person shown is not shown to be the complainant"),
        "outcomes": ["reject"],
        "reference": "PRC Civil Code art. 1195 (preliminary evidence of infringement)",
        "explanation": "The evidence does not show that the content depicts the complainant.",
    },
    "lawful_use": {
        "label": gettext_noop("Lawful use of the portrait"),
        "outcomes": ["reject"],
        "reference": "PRC Civil Code art. 1020 (reasonable use of a portrait)",
        "explanation": "The use falls under an exception of Civil Code art. 1020.",
    },
    "insufficient_evidence": {
        "label": gettext_noop("Insufficient evidence or identity not shown"),
        "outcomes": ["reject"],
        "reference": "PRC Civil Code art. 1195 (content of a valid notice)",
        "explanation": "The notice lacks the preliminary evidence or identity the law requires.",
    },
}
# The countries where the platform offers its service (ISO 3166-1 alpha-2 codes; empty means
# everywhere): the scope recorded when a decision gives none. Only a block can be narrower.
TAKEDOWN_TERRITORIAL_SCOPE = env_list("TAKEDOWN_TERRITORIAL_SCOPE", [])

# A claim is a lease that lapses after this many minutes without activity.
TAKEDOWN_CLAIM_MINUTES = env_int("TAKEDOWN_CLAIM_MINUTES", 30)
# The review queue's "due soon" filter: open cases due within this many hours.
TAKEDOWN_QUEUE_DUE_SOON_HOURS = env_int("TAKEDOWN_QUEUE_DUE_SOON_HOURS", 4)
# Days the complainant has to answer a request for information.
TAKEDOWN_NEEDS_INFO_DAYS = env_int("TAKEDOWN_NEEDS_INFO_DAYS", 14)

# The platform adapter, and the hosts a reported URL may point at (nothing else is fetched).
TAKEDOWN_PLATFORM_ADAPTER = env_str(
    "TAKEDOWN_PLATFORM_ADAPTER", "cases.platforms.demo.DemoPlatformAdapter"
)
TAKEDOWN_PLATFORM_HOSTS = env_list("TAKEDOWN_PLATFORM_HOSTS", ["127.0.0.1:8000", "localhost:8000"])
# Serve the built-in demo platform at /platform/ (pages and its moderation API). Turn it off
# in production, where takedown moderates a real platform.
TAKEDOWN_DEMO_PLATFORM = env_bool("TAKEDOWN_DEMO_PLATFORM", True)
# The HTTP adapter (cases.platforms.http.HttpPlatformAdapter): the platform's moderation API,
# the shared secret that signs every request (HMAC-SHA256), and its time limits.
TAKEDOWN_PLATFORM_API_URL = env_str("TAKEDOWN_PLATFORM_API_URL")
TAKEDOWN_PLATFORM_API_SECRET = env_str("TAKEDOWN_PLATFORM_API_SECRET")
TAKEDOWN_PLATFORM_CONNECT_TIMEOUT = float(env_str("TAKEDOWN_PLATFORM_CONNECT_TIMEOUT", "3"))
TAKEDOWN_PLATFORM_READ_TIMEOUT = float(env_str("TAKEDOWN_PLATFORM_READ_TIMEOUT", "10"))
# The adapter connects only to public addresses: the API host is resolved, every answer must
# be public (not loopback, private, link-local...), and the connection goes to that address.
# Networks listed here are allowed too: loopback in the embedded default (the demo platform and
# the tests' local servers run on this machine), none in production unless listed.
TAKEDOWN_PLATFORM_ALLOWED_NETWORKS = env_list(
    "TAKEDOWN_PLATFORM_ALLOWED_NETWORKS",
    ["127.0.0.0/8", "::1/128"] if TAKEDOWN_DEMO_PLATFORM else [],
)
# Platform measures: attempts before a measure is marked failed, and the backoff cap.
TAKEDOWN_MEASURE_MAX_RETRIES = env_int("TAKEDOWN_MEASURE_MAX_RETRIES", 5)
TAKEDOWN_MEASURE_RETRY_BACKOFF_MAX = env_int("TAKEDOWN_MEASURE_RETRY_BACKOFF_MAX", 300)
# Work left pending this long (a lost task, a broker outage) is enqueued again by beat.
TAKEDOWN_STALLED_AFTER_SECONDS = env_int("TAKEDOWN_STALLED_AFTER_SECONDS", 120)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("TAKEDOWN_LOG_LEVEL", "INFO")},
}
WHITENOISE_USE_FINDERS = True  # static files are served without a collectstatic step
