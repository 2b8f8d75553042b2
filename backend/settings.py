"""Kurslotse settings: one module, driven by environment variables.

The defaults are the embedded setup of ``make run`` and ``make test``: SQLite,
no Redis, emails printed to the console. ``DATABASE_URL`` switches to
PostgreSQL, ``REDIS_URL`` to Redis. With ``KURSLOTSE_ENV=production`` the
settings refuse to load while DEBUG is on, the secret key is the default or no
host is allowed, and they switch on every ``check --deploy`` protection.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def redis_database(url: str, offset: int) -> str:
    """The same Redis server, ``offset`` database numbers on (``/0`` → ``/2``
    for 2); a URL without a number counts as ``/0``."""
    base, _, database = url.rpartition("/")
    if not base.startswith(("redis:", "rediss:")) or not database.isdigit():
        return f"{url.rstrip('/')}/{offset}"
    return f"{base}/{int(database) + offset}"


def redis_sibling_database(url: str) -> str:
    """The same Redis server, next database number (``/0`` → ``/1``)."""
    return redis_database(url, 1)


def calendar_domain(hosts: list[str], from_email: str) -> str:
    """The installation's domain for calendar UIDs: the first real host name
    of ``ALLOWED_HOSTS`` (staging and production differ there), else the
    domain of the sender address."""
    for host in hosts:
        host = host.strip().lstrip(".").lower()
        if host and host != "*" and not host.replace(".", "").replace(":", "").isdigit():
            return host
    address = from_email.rpartition("<")[2].rstrip(">").strip()
    return address.rpartition("@")[2].lower() or "kurslotse.localhost"


VAR_DIR = BASE_DIR / "var"

DEFAULT_SECRET_KEY = "insecure-embedded-default-change-me"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

KURSLOTSE_ENV = env.str("KURSLOTSE_ENV", default="development")
PRODUCTION = KURSLOTSE_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env.str("SECRET_KEY", default=DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if PRODUCTION:
    problems = []
    if DEBUG:
        problems.append("DEBUG must be off")
    if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
        problems.append("SECRET_KEY must be set to a long random value")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must name the public host(s)")
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems))

INSTALLED_APPS = [
    # Before the admin, so the admin's forms know the translated fields.
    "modeltranslation",
    "backend.admin.KurslotseAdminConfig",  # django.contrib.admin for coordinators
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
    "common",
    "accounts",
    "places",
    "courses",
    "coaching",
    "notifications",
    "calendars",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages and API answers go compressed to phones on slow networks (the
    # dashboard: 107 KB → 17 KB). Django pads each body against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "common.middleware.PrivateApiResponses",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    # Marks the pages a learner's phone may keep for no signal; forgets them on sign-in/out.
    "common.offline.OfflinePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, so its refusals (413, 400) pass back through the others (CSP,
    # language); still before any view or form reads the body.
    "common.middleware.RequestLimitsMiddleware",
]

ROOT_URLCONF = "backend.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "courses.context_processors.statuses",
                "coaching.context_processors.statuses",
            ],
        },
    },
]

WSGI_APPLICATION = "backend.wsgi.application"

# --- Database -------------------------------------------------------------
# SQLite runs every write transaction as BEGIN IMMEDIATE, so two bookings can
# never read the same availability; PostgreSQL locks capacity explicitly
# (see courses/locking.py).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kurslotse.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # A file next to the database (in-memory would hide the write lock that
    # BEGIN IMMEDIATE takes); one per database, so parallel runs don't collide.
    _db_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {"NAME": str(_db_file.with_name(f"test-{_db_file.name}"))}
else:
    # Reuse connections (a new authenticated connection per request costs more
    # than the request), checked before each request so a restart is survived.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that does not answer is "unavailable" (503) after this many
    # seconds, not a request hanging for the operating system's TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
    # The few statements prepared on purpose (common/prepared.py) are planned
    # once per connection: their generic plan, not a custom plan per call.
    # Django's own statements are never prepared; PL/pgSQL (the triggers of
    # courses.0008) caches its plans the same way.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c plan_cache_mode=force_generic_plan")
IS_POSTGRESQL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # OWASP ASVS level 2 (V2.1.1): at least 12 characters.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# --- Languages ------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [
    ("de", _("German")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("uk", _("Ukrainian")),
    ("tr", _("Turkish")),
    ("fa", _("Persian")),
    ("ru", _("Russian")),
]
LANGUAGES_BIDI = ["ar", "fa"]
# Course and venue texts in every language (django-modeltranslation; the
# registrations are courses/translation.py and places/translation.py, the
# rules courses/texts.py). German is the source: ``title_de`` and the plain
# ``title`` column hold it (the models save under German), queries on the
# plain names read German in every language, and a text missing in a
# language falls back to German field by field.
MODELTRANSLATION_DEFAULT_LANGUAGE = "de"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("de",)
MODELTRANSLATION_AUTO_POPULATE = False
# A visitor's language choice (the switcher) outlives the browser session.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Berlin"
USE_TZ = True

# --- Static files: served by the app itself, never from a CDN -------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Email ----------------------------------------------------------------
# The embedded setup writes each email as a file to var/mail/ (open one to
# see the calendar invitation); production speaks SMTP.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Seconds any one step of talking to the mail server may take (connect, each
# reply). A server that accepts and never answers fails the delivery for now;
# the outbox tries again later, so a worker is never stuck on it.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Kurslotse <kurslotse@localhost>")

# --- Text messages (SMS) ------------------------------------------------------
# notifications/sms/: "file" writes each text message as a file to
# KURSLOTSE_SMS_FILE_PATH (the embedded default, like var/mail/); "http" posts
# it as JSON to a provider's URL with the credentials below.
KURSLOTSE_SMS_GATEWAY = env.str("KURSLOTSE_SMS_GATEWAY", default="file")
KURSLOTSE_SMS_FILE_PATH = env.str("KURSLOTSE_SMS_FILE_PATH", default=str(VAR_DIR / "sms"))
KURSLOTSE_SMS_HTTP_URL = env.str("KURSLOTSE_SMS_HTTP_URL", default="")
KURSLOTSE_SMS_HTTP_USERNAME = env.str("KURSLOTSE_SMS_HTTP_USERNAME", default="")
KURSLOTSE_SMS_HTTP_TOKEN = env.str("KURSLOTSE_SMS_HTTP_TOKEN", default="")
# The sender the phone shows (an alphanumeric sender ID: at most 11 characters).
KURSLOTSE_SMS_SENDER = env.str("KURSLOTSE_SMS_SENDER", default="Kurslotse")
# Seconds a call to the provider may take; then the outbox tries again later.
KURSLOTSE_SMS_TIMEOUT = env.float("KURSLOTSE_SMS_TIMEOUT", default=10.0)
# Where people reach Kurslotse: text messages carry absolute links to it.
KURSLOTSE_PUBLIC_URL = env.str("KURSLOTSE_PUBLIC_URL", default="http://127.0.0.1:8000")

# --- Redis, cache and Celery ----------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Every Redis call is bounded: connecting, and each answer, in seconds.
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=1.0)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=2.0)
# After Redis failed once, skip it for this long before trying again (the
# cache treats itself as empty, notifications wait for the sweep).
KURSLOTSE_REDIS_OUTAGE_PAUSE_SECONDS = env.float(
    "KURSLOTSE_REDIS_OUTAGE_PAUSE_SECONDS", default=5.0
)
# How long a process gathers committed notifications before its one thread
# hands them to the workers in one task (notifications/handover.py); 0: each
# commit hands over its own, at once (the tests' default).
KURSLOTSE_HANDOVER_LINGER_SECONDS = env.float("KURSLOTSE_HANDOVER_LINGER_SECONDS", default=0.2)
if REDIS_URL:
    # The cache gets its own Redis database: clearing the cache (FLUSHDB) must
    # never delete queued Celery messages. While Redis is away the cache is
    # empty rather than an error (common/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "common.cache.DegradingRedisCache",
            "LOCATION": env.str("REDIS_CACHE_URL", default=redis_sibling_database(REDIS_URL)),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": 3600,
        # A publish gives up at once when Redis is away (no reconnect loop:
        # kombu otherwise retries for seconds per message) and never waits on
        # a Redis that accepts and does not answer. The outbox row stays
        # queued and the sweep sends it later (notifications/services.py).
        "max_retries": 0,
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
        "socket_timeout": REDIS_SOCKET_TIMEOUT,
        "retry_on_timeout": False,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # kombu's filesystem transport: a real broker in a folder, no server.
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Notifications go through their own queue, so a slow mail server never
# delays anything else. The Redis visibility timeout (above) is longer than
# any task runs; reminders are rows found by the sweep, never long-ETA tasks.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "notifications.tasks.deliver_batch": {"queue": "notifications"},
    "notifications.tasks.deliver": {"queue": "notifications"},
}
# Celery's Django fixup closes the database connection before and after every
# task unless told to reuse it (a new authenticated connection cost a
# notification 8-10 ms). Workers keep it as Django keeps it between requests:
# backend/celery.py runs close_old_connections() around each task, which
# honours CONN_MAX_AGE and CONN_HEALTH_CHECKS (and closes it after an error);
# the fixup then closes it itself only after this many tasks.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
# Publishing never retries (the sweep does); a worker that lost Redis keeps
# reconnecting (broker_connection_retry) until it is back.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
KURSLOTSE_SITE_NAME = env.str("KURSLOTSE_SITE_NAME", default="Landkreis Heilbronn")
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep": {"task": "notifications.tasks.sweep", "schedule": 60.0},
    "expire-stale-offers": {"task": "courses.tasks.expire_stale_offers", "schedule": 60.0},
    "expire-stale-proposals": {
        "task": "coaching.tasks.expire_stale_proposals",
        "schedule": 3600.0,
    },
    "purge-idempotency-records": {
        "task": "common.tasks.purge_idempotency_records",
        "schedule": 3600.0,
    },
    # The retention rules (README: "Data protection"), every night at 03:15
    # Berlin time (CELERY_TIMEZONE): after midnight's work, before the office opens.
    "retention": {
        "task": "common.tasks.run_retention",
        "schedule": crontab(hour=3, minute=15),
    },
}

# --- Data protection: retention periods (GDPR Art. 5(1)(e)) -------------------
# How long personal data is kept; the daily retention task enforces them
# (README: "Data protection"). Months count by the calendar (dateutil).
KURSLOTSE_RETENTION_COACH_NOTES_MONTHS = env.int(
    "KURSLOTSE_RETENTION_COACH_NOTES_MONTHS", default=6
)  # after the mentorship ended
KURSLOTSE_RETENTION_BOOKINGS_MONTHS = env.int(
    "KURSLOTSE_RETENTION_BOOKINGS_MONTHS", default=24
)  # after the course ended; then anonymised, figures kept
KURSLOTSE_RETENTION_NOTIFICATIONS_MONTHS = env.int(
    "KURSLOTSE_RETENTION_NOTIFICATIONS_MONTHS", default=12
)  # inbox and notification rows, after they were created
KURSLOTSE_RETENTION_ACCESS_LOG_MONTHS = env.int("KURSLOTSE_RETENTION_ACCESS_LOG_MONTHS", default=24)
KURSLOTSE_RETENTION_INACTIVE_ACCOUNT_MONTHS = env.int(
    "KURSLOTSE_RETENTION_INACTIVE_ACCOUNT_MONTHS", default=24
)  # without a sign-in: then warned by email
KURSLOTSE_RETENTION_ERASURE_WARNING_DAYS = env.int(
    "KURSLOTSE_RETENTION_ERASURE_WARNING_DAYS", default=30
)  # after the warning, erased unless the person signed in

# --- Data protection: the privacy notice (GDPR Art. 13) -----------------------
# Who is responsible (the controller), how to reach them and the data
# protection officer; /privacy/ shows these, with the retention periods above.
KURSLOTSE_CONTROLLER_NAME = env.str("KURSLOTSE_CONTROLLER_NAME", default="Landratsamt Heilbronn")
KURSLOTSE_CONTROLLER_ADDRESS = env.str(
    "KURSLOTSE_CONTROLLER_ADDRESS", default="Lerchenstraße 40, 74072 Heilbronn"
)
KURSLOTSE_CONTROLLER_EMAIL = env.str(
    "KURSLOTSE_CONTROLLER_EMAIL", default="integration@landratsamt-heilbronn.de"
)  # the integration office, which runs Kurslotse
KURSLOTSE_CONTROLLER_PHONE = env.str("KURSLOTSE_CONTROLLER_PHONE", default="07131 994-7285")
KURSLOTSE_DPO_CONTACT = env.str(
    "KURSLOTSE_DPO_CONTACT",
    default="Datenschutzbeauftragte/r, Landratsamt Heilbronn, Lerchenstraße 40, 74072 Heilbronn",
)
KURSLOTSE_DPO_EMAIL = env.str("KURSLOTSE_DPO_EMAIL", default="datenschutz@landratsamt-heilbronn.de")
KURSLOTSE_SUPERVISORY_AUTHORITY = env.str(
    "KURSLOTSE_SUPERVISORY_AUTHORITY",
    default="Der Landesbeauftragte für den Datenschutz und die Informationsfreiheit "
    "Baden-Württemberg, Lautenschlagerstraße 20, 70173 Stuttgart",
)
# The version of the notice's text. Change it whenever the text changes: each
# consent records the version the person saw.
KURSLOTSE_PRIVACY_NOTICE_VERSION = env.str("KURSLOTSE_PRIVACY_NOTICE_VERSION", default="2026-12-01")

# --- Accounts: django-allauth ---------------------------------------------
# Sign in by email address or by phone number (a code by SMS, or the
# password); sign up with either, or both (accounts/adapters.py, stages.py).
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email", "phone", "password1*", "password2*"]
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Whoever has an address confirms it before signing in ("mandatory"); whoever
# signs up with only a phone number confirms that by a code instead. allauth
# itself is told "optional" (it allows "mandatory" only when every sign-up has
# an address); accounts/stages.py applies this rule.
KURSLOTSE_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_EMAIL_VERIFICATION = "optional"
# Sign-up asks for an address or a phone number, not both (accounts.forms.SignupForm):
# allauth would like one of them required (its warning account.W001).
SILENCED_SYSTEM_CHECKS = ["account.W001"]
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Name, municipality and the email consent at sign-up (accounts.forms.SignupForm).
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
# Whoever confirms their address in the browser they signed up in is signed in
# at once, instead of being asked for the password they just chose.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
HEADLESS_CLIENTS = ("app", "browser")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Kurslotse"
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

# Coordinators must have TOTP set up before coordinator functions answer.
# On in production; the embedded demo relaxes it (see README).
KURSLOTSE_COORDINATOR_MFA_REQUIRED = env.bool(
    "KURSLOTSE_COORDINATOR_MFA_REQUIRED", default=PRODUCTION
)

# --- Courses ---------------------------------------------------------------
# Lock a course's capacity before reading it. Only the race-condition control
# test switches this off, to show the oversell that locking prevents.
KURSLOTSE_CAPACITY_LOCKING = True
# How long to wait for a capacity lock before answering "busy, retry".
KURSLOTSE_LOCK_TIMEOUT_SECONDS = env.float("KURSLOTSE_LOCK_TIMEOUT_SECONDS", default=5.0)
KURSLOTSE_DEFAULT_OFFER_HOURS = 48

# --- Limits on input (common/middleware.py) ----------------------------------
# Bodies above this many bytes are answered 413; no form or API body comes near.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("KURSLOTSE_MAX_BODY_BYTES", default=1024 * 1024)
# JSON nested deeper than this is answered 400 (no API body needs more than 4).
KURSLOTSE_MAX_JSON_DEPTH = 20

# --- Calendars ---------------------------------------------------------------
# UIDs are course-<id>@<domain> and meeting-<id>@<domain>. Set it once per
# installation: changing it later makes calendars show every event twice.
KURSLOTSE_CALENDAR_DOMAIN = env.str(
    "KURSLOTSE_CALENDAR_DOMAIN", default=calendar_domain(ALLOWED_HOSTS, DEFAULT_FROM_EMAIL)
)
# The ORGANIZER of every invitation (courses and coaching meetings) and the
# Reply-To of invitation emails: a mailbox the coordination office reads,
# since calendar replies (accept/decline) go there. If it differs from
# DEFAULT_FROM_EMAIL, invitations say SENT-BY the sender (RFC 5545 3.2.18).
KURSLOTSE_CALENDAR_ORGANIZER = env.str("KURSLOTSE_CALENDAR_ORGANIZER", default=DEFAULT_FROM_EMAIL)

# --- REST API ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.SessionTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "accounts.schema.AutoSchema",
    "EXCEPTION_HANDLER": "common.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + ([] if PRODUCTION else ["rest_framework.renderers.BrowsableAPIRenderer"]),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # `format` is a course filter here, not a renderer switch.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kurslotse API",
    "DESCRIPTION": (
        "German courses with childcare, care-language coaching and volunteer jobcoaches "
        "for a German district. Authenticate with a session (browser) or with the "
        "`X-Session-Token` header returned by `POST /_allauth/app/v1/auth/login`. "
        'Errors always have the shape `{"error": {"code", "message", "fields"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CourseStatusEnum": "courses.constants.CourseStatus",
        "NewCourseStatusEnum": "courses.constants.NEW_COURSE_STATUSES",
        # Sessions and meetings share the set (scheduled, cancelled).
        "ScheduledOrCancelledEnum": "courses.constants.SessionStatus",
        "BookingStatusEnum": "courses.constants.BookingStatus",
        "RequestStatusEnum": "coaching.constants.RequestStatus",
        "ProposalStatusEnum": "coaching.constants.ProposalStatus",
        "ProgrammeEnum": "coaching.constants.Programme",
        "GenderEnum": "coaching.constants.Gender",
        "SkillEnum": "coaching.constants.SKILL_CHOICES",
        "LanguageCodeEnum": "common.languages.LANGUAGE_CODES",
        # The languages course and venue texts are kept in (``text_language``).
        "TextLanguageEnum": "common.translated.TEXT_LANGUAGES",
        "AttendanceStatusEnum": "courses.constants.AttendanceStatus",
    },
}

# --- Security ------------------------------------------------------------------
# Content-Security-Policy: the browser may load nothing from anywhere but this
# app. No inline scripts or styles; data: images for charts and QR codes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # The service worker (static/js/sw.js, served at /sw.js; common/offline.py).
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"no_client_tracebacks": {"()": "common.log_filters.NoTracebackForClientErrors"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_client_tracebacks"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
