"""All configuration of Macondo, read from the environment (every knob is in .env.example).

Local runs set DEBUG=true explicitly (the quick start does); everything else defaults to
the safe, production value. Topics, in order: core, proxies and client addresses, security,
apps and middleware, database, Redis, staff sign-in, templates and static files, short links,
clicks, bot verdicts, public API, webhooks, health and logging.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

import macondo
from macondo.logging_config import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file is a convenience for local runs; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core ------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production refuses to start without one; "
            "for a local run set DEBUG=true (the quick start does)."
        )
    SECRET_KEY = "insecure-local-development-key-never-used-in-production"  # noqa: S105
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure")):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use 50+ random chars.")

# One place of the version (macondo/__init__.py); a deploy may set a git SHA instead.
APP_VERSION = env.str("APP_VERSION", default=macondo.__version__)

# Where the app listens: scripts/run.sh's development server binds HOST:PORT, gunicorn
# binds 0.0.0.0:PORT (gunicorn.conf.py).
PORT = env.str("PORT", default="8000")
if not PORT.isdigit() or not 0 < int(PORT) < 65536:
    raise ImproperlyConfigured(f"PORT must be a port number (1-65535), not {PORT!r}.")
PORT = int(PORT)
HOST = env.str("HOST", default="") or "127.0.0.1"
# This machine's URL of that server; a wildcard bind (0.0.0.0, ::) is reached on 127.0.0.1.
_served = "127.0.0.1" if HOST in ("0.0.0.0", "::") else HOST  # noqa: S104
_served = f"[{_served}]" if ":" in _served else _served
SERVER_URL = f"http://{_served}:{PORT}"

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=sorted({"127.0.0.1", "localhost", "[::1]", _served}) if DEBUG else [],
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Public base of short links, e.g. https://mcd.link. Used to print short URLs and to refuse
# destinations that point back at the shortener (redirect loops). The default is where a
# local run listens, so short URLs, QR codes and share links work there.
SHORT_LINK_BASE_URL = env.str("SHORT_LINK_BASE_URL", default=SERVER_URL)
# Other hosts that also serve short links (old domains, aliases): also refused as destinations.
SHORT_LINK_EXTRA_HOSTS = env.list("SHORT_LINK_EXTRA_HOSTS", default=[])

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Proxies and client addresses ------------------------------------------------------------
# How many reverse proxies in front of the app append to X-Forwarded-For. 0: trust none.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Zero the last IPv4 octet / last 80 IPv6 bits before storing or logging an address.
ANONYMIZE_IP = env.bool("ANONYMIZE_IP", default=False)

# --- Security (production values unless DEBUG) -----------------------------------------------
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=True) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# /health must answer plain-http platform probes behind a TLS proxy.
SECURE_REDIRECT_EXEMPT = [r"^health$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp, macondo.middleware.CSPMiddleware): no inline scripts
# or styles anywhere; pages load their own static files only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Google profile pictures (avatars) and QR codes as data: URIs.
        "img-src": ["'self'", "data:", "https://*.googleusercontent.com"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'", "https://accounts.google.com"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Apps and middleware ---------------------------------------------------------------------
INSTALLED_APPS = [
    # Django's admin, on a site that asks accounts.policy who may use it.
    "accounts.admin_site.MacondoAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "accounts",
    "links",
    "analytics",
    "legacy",
    "api",
    "sharing",
    "portal",
    "mailings",
    "scheduling",
    # django-ninja's templates and static files: the API reference page (Swagger UI) is
    # served from our own origin, no CDN.
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "axes",
    "webhooks",
]

# Cached short links are answered before this stack (links.fast_redirect); everything else
# passes through it.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "macondo.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a signed-in user unless its view is marked @login_not_required.
    "accounts.middleware.LoginRequiredMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes turns a locked-out admin login into its 429 page; its documentation wants it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "macondo.urls"
WSGI_APPLICATION = "macondo.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Database --------------------------------------------------------------------------------
# No DATABASE_URL: an embedded SQLite file, so a newcomer sees the app without a server.
# Production and the test suite use PostgreSQL.
_database_url = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {"default": env.db_url_config(_database_url)}
except ValueError:  # e.g. a port that is not a number
    DATABASES = {"default": {}}
if DATABASES["default"].get("ENGINE") not in (
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
):
    raise ImproperlyConfigured(
        "DATABASE_URL is not a PostgreSQL or SQLite URL: use "
        "postgres://user:password@host:5432/name, or leave it empty for the SQLite file."
    )
# A new connection per request costs more CPU than most requests: keep connections, check
# them on reuse.
# Behind PgBouncer in transaction mode set CONN_MAX_AGE=0 and let the bouncer pool.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
# PostgreSQL's JIT spends longer compiling the big report queries than running them: a loss
# for every dashboard page. Off unless DATABASE_JIT=true.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env.bool(
    "DATABASE_JIT", default=False
):
    DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
# Behind PgBouncer in transaction mode server-side cursors break (a cursor outlives the
# transaction's server connection): set this true together with CONN_MAX_AGE=0.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False
)

# The embedded SQLite file (quick start) is one process on one machine. SQLite cannot hold
# the rollup tables' covering (INCLUDE) unique constraints and indexes: Django skips the
# constraints (models.W039) and keeps only the key columns of the indexes (W040); the rollup
# job replaces whole days, so nothing relies on them. Our deploy check asks for Redis to
# share state between gunicorn workers (analytics.W001). PostgreSQL still reports all three.
SILENCED_SYSTEM_CHECKS = (
    ["models.W039", "models.W040", "analytics.W001"]
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    else []
)

# --- Redis -----------------------------------------------------------------------------------
# Shared state between workers and hosts: click-burst counters, link-change announcements,
# API rate limits and key revocations. Empty: each process counts on its own (or in the
# database).
REDIS_URL = env.str("REDIS_URL", default="")
# In front of every Redis key and stream name: deployments (or test runs) sharing one Redis
# database then never see each other's burst counters or link-change announcements.
REDIS_KEY_PREFIX = env.str("REDIS_KEY_PREFIX", default="macondo:")

# --- Staff sign-in: Google through django-allauth, admin login lockout -----------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out client is refused before any password hash is computed.
    "axes.backends.AxesStandaloneBackend",
    # The admin's password form (email + password); allauth's social login sets its own.
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/dashboard/"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# Google is the only way in through allauth: no sign-up form, no password login, no
# password reset. The admin's own login form stays for superusers (local development).
SOCIALACCOUNT_ONLY = True
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
SOCIALACCOUNT_ADAPTER = "accounts.adapters.GoogleAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
# A user made with createsuperuser or in the admin is linked on their first Google
# sign-in (the address is verified by Google and on an allowed domain) instead of meeting
# a second sign-up form.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# Sign-in needs Google's answer once; keeping access tokens would only be a liability.
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
# The redirect URI sent to Google is https in production even if the proxy's
# X-Forwarded-Proto header is missing (Google refuses a mismatched redirect URI).
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# allauth's own client-IP rule (its rate limits, and axes below) trusts the same proxies.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

GOOGLE_CLIENT_ID = env.str("GOOGLE_CLIENT_ID", default="")
GOOGLE_CLIENT_SECRET = env.str("GOOGLE_CLIENT_SECRET", default="")
if GOOGLE_CLIENT_ID and not GOOGLE_CLIENT_SECRET:
    raise ImproperlyConfigured("GOOGLE_CLIENT_ID is set but GOOGLE_CLIENT_SECRET is not.")
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "SCOPE": ["profile", "email"],
        # People signed in to a private and a work account choose which one to use.
        "AUTH_PARAMS": {"prompt": "select_account"},
        "OAUTH_PKCE_ENABLED": True,
    }
}
if GOOGLE_CLIENT_ID:
    # From settings, so no SocialApp row is needed in the database.
    SOCIALACCOUNT_PROVIDERS["google"]["APP"] = {
        "client_id": GOOGLE_CLIENT_ID,
        "secret": GOOGLE_CLIENT_SECRET,
    }


def _lower_comma_list(name):
    return [v.strip().lower() for v in env.list(name, default=[]) if v.strip()]


# Exact domains after the last "@" of a verified Google address, e.g. corp.example.
# Empty: nobody can sign in with Google.
ALLOWED_EMAIL_DOMAINS = _lower_comma_list("ALLOWED_EMAIL_DOMAINS")
if any("@" in domain for domain in ALLOWED_EMAIL_DOMAINS):
    raise ImproperlyConfigured(
        "ALLOWED_EMAIL_DOMAINS takes bare domains such as corp.example, not addresses."
    )
# Addresses made staff + superuser when they sign in (the first admin needs no shell).
ADMIN_EMAILS = _lower_comma_list("ADMIN_EMAILS")
# The role of a person signing in for the first time (admin, editor or viewer); admins
# change it on the dashboard's People page, in the admin or with manage.py set_role.
DEFAULT_STAFF_ROLE = env.str("DEFAULT_STAFF_ROLE", default="editor").strip().lower()
if DEFAULT_STAFF_ROLE not in {"admin", "editor", "viewer"}:
    raise ImproperlyConfigured("DEFAULT_STAFF_ROLE takes admin, editor or viewer.")

# django-axes: failed logins on the admin's password form, counted in the database.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
# Each entry is counted on its own; "username+ip_address" counts the pair. ip_address stops
# one client trying many accounts; username stops a botnet trying one admin's password
# (anyone can then lock that admin's password form for the cool-off; Google is unaffected).
_axes_lockout = env.list("AXES_LOCKOUT_PARAMETERS", default=["ip_address", "username"])
if not _axes_lockout or not set("+".join(_axes_lockout).split("+")) <= {
    "ip_address",
    "username",
    "user_agent",
}:
    raise ImproperlyConfigured(
        "AXES_LOCKOUT_PARAMETERS takes ip_address, username, user_agent, or pairs "
        "joined with +, e.g. ip_address,username+user_agent."
    )
AXES_LOCKOUT_PARAMETERS = [p.split("+") if "+" in p else p for p in _axes_lockout]
AXES_RESET_ON_SUCCESS = True
# The admin's form sends the email as `username`; axes would look for USERNAME_FIELD
# ("email") and count every attempt as username None, i.e. never by username.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.username"
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# --- Templates and static files --------------------------------------------------------------
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.permissions",
                "portal.context_processors.portal",
            ],
        },
    },
]

# Templates see `debug` (e.g. the lockout page's shell commands) only with DEBUG and only
# for requests from this machine.
INTERNAL_IPS = ["127.0.0.1", "::1"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if not env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded files (client logos) go through Django's storage API; this is where the default
# file-system storage keeps them. They are served by views (links/branding.py), never from
# a public media URL.
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "media"))
CLIENT_LOGO_MAX_BYTES = env.int("CLIENT_LOGO_MAX_BYTES", default=512 * 1024)

# --- Shared report links (sharing/; docs/portal-and-sharing.md) ------------------------------
# Wrong passwords a share link accepts per window before it refuses every attempt until the
# window ends.
SHARE_PASSWORD_ATTEMPTS = env.int("SHARE_PASSWORD_ATTEMPTS", default=5)
SHARE_PASSWORD_WINDOW_MINUTES = env.int("SHARE_PASSWORD_WINDOW_MINUTES", default=15)

# --- Short links: the fast lane and the lookup cache -----------------------------------------
# Cached short links are answered in WSGI, before Django's middleware (links.fast_redirect);
# off: every redirect goes through the whole stack (for comparison, or if in doubt).
FAST_REDIRECT = env.bool("FAST_REDIRECT", default=True)
# Seconds a worker trusts its cached short-code lookup while it hears of link changes
# through Redis (REDIS_URL; changes then reach every worker within LINK_CACHE_SYNC_INTERVAL).
# Only a safety net for a missed announcement: each expiry costs one query per link and worker.
LINK_CACHE_TTL = env.float("LINK_CACHE_TTL", default=3600.0)
LINK_CACHE_SYNC_INTERVAL = env.float("LINK_CACHE_SYNC_INTERVAL", default=1.0)
# Without Redis (or while it is down): a deactivated or edited link stops or changes
# redirecting in every worker within this window; codes found missing are remembered as long.
LINK_CACHE_TTL_WITHOUT_SYNC = env.float("LINK_CACHE_TTL_WITHOUT_SYNC", default=5.0)
# Links each worker keeps (LRU, a few hundred bytes each); codes no link has are kept apart
# (LINK_CACHE_MISSING_SIZE). Set it to at least the number of links that get clicks.
LINK_CACHE_SIZE = env.int("LINK_CACHE_SIZE", default=100000)
# Newest active links loaded into each worker's cache when it starts (0: none).
LINK_CACHE_PRIME = env.int("LINK_CACHE_PRIME", default=100000)
# While PostgreSQL is down, known links keep redirecting from a cache entry up to this old.
LINK_CACHE_STALE_SECONDS = env.float("LINK_CACHE_STALE_SECONDS", default=3600.0)
# Codes no link has are remembered apart from the links (so a scan never evicts one), this
# many per worker, for LINK_CACHE_TTL_WITHOUT_SYNC.
LINK_CACHE_MISSING_SIZE = env.int("LINK_CACHE_MISSING_SIZE", default=10000)
# With Redis, each worker holds every active link's code (about 100 bytes each) and answers 404
# for any other code without a query.
LINK_CACHE_KNOWN_CODES = env.bool("LINK_CACHE_KNOWN_CODES", default=True)

# --- Clicks: GeoIP and the spool -------------------------------------------------------------
GEOIP_CITY_DB = env.str("GEOIP_CITY_DB", default="")
GEOIP_ASN_DB = env.str("GEOIP_ASN_DB", default="")
# Seconds between checks of whether a GeoIP file was replaced (geoipupdate): a new one is
# then read by every worker without a restart.
GEOIP_CHECK_SECONDS = env.float("GEOIP_CHECK_SECONDS", default=5.0)
# Clicks are appended to files here and loaded into PostgreSQL by a flusher thread in each
# worker. Local disk shared by all workers of a host, kept across restarts (not tmpfs).
CLICK_SPOOL_DIR = env.str("CLICK_SPOOL_DIR", default=str(BASE_DIR / "var" / "click-spool"))
# Seconds between loads of spooled clicks (how fresh the dashboards are).
CLICK_FLUSH_INTERVAL = env.float("CLICK_FLUSH_INTERVAL", default=1.0)
# Clicks per COPY transaction when loading a spool file.
CLICK_FLUSH_BATCH_SIZE = env.int("CLICK_FLUSH_BATCH_SIZE", default=5000)
# Run the flusher thread inside each web process. Off: run `manage.py drain_clicks --follow`.
CLICK_FLUSHER_THREAD = env.bool("CLICK_FLUSHER_THREAD", default=True)
# All spool files together at most this big; beyond it new clicks are dropped (and counted
# in /health) until loading makes room. Spooled clicks are never dropped. 0: no cap.
CLICK_SPOOL_MAX_BYTES = env.int("CLICK_SPOOL_MAX_BYTES", default=1024**3)
# /health answers 503 when the oldest click not loaded yet is older than this.
CLICK_BACKLOG_MAX_AGE_SECONDS = env.float("CLICK_BACKLOG_MAX_AGE_SECONDS", default=120.0)
# Characters of the user agent and referrer stored per click (longer ones are cut; the bot
# verdict reads them whole).
CLICK_USER_AGENT_MAX_CHARS = env.int("CLICK_USER_AGENT_MAX_CHARS", default=1000)
CLICK_REFERRER_MAX_CHARS = env.int("CLICK_REFERRER_MAX_CHARS", default=2000)

# --- Bot verdicts (analytics.verdicts.bots) --------------------------------------------------
# A click is a bot when a decisive signal fires or the weak signals' score reaches this (0-100).
BOT_SCORE_THRESHOLD = env.int("BOT_SCORE_THRESHOLD", default=70)
# Same IP + user agent on the same link this many times within the window: a burst.
BOT_BURST_COUNT = env.int("BOT_BURST_COUNT", default=6)
BOT_BURST_WINDOW_SECONDS = env.float("BOT_BURST_WINDOW_SECONDS", default=30.0)
# Same IP on the same link, any user agent: higher, one address can be a NAT full of people
# (the reasoning is in analytics/verdicts/bursts.py).
BOT_BURST_IP_COUNT = env.int("BOT_BURST_IP_COUNT", default=60)
BOT_BURST_IP_WINDOW_SECONDS = env.float("BOT_BURST_IP_WINDOW_SECONDS", default=60.0)
# Clicks are judged (and stored) this long after they happened, so that the clicks of other
# workers and servers from the same moment are counted for bursts first.
BOT_BURST_LATENESS_SECONDS = env.float("BOT_BURST_LATENESS_SECONDS", default=3.0)
# Seconds the loader waits for Redis before it stores a batch without burst evidence.
BOT_REDIS_TIMEOUT_SECONDS = env.float("BOT_REDIS_TIMEOUT_SECONDS", default=1.0)
# A datacenter network alone makes a bot (default: only together with other evidence).
BOT_DATACENTER_STRICT = env.bool("BOT_DATACENTER_STRICT", default=False)
# Longer user agents are malformed; only this many characters are ever matched or cached.
BOT_UA_MAX_LENGTH = env.int("BOT_UA_MAX_LENGTH", default=1000)
# Distinct user agents whose verdict work is kept per process (bounded memory).
BOT_UA_CACHE_SIZE = env.int("BOT_UA_CACHE_SIZE", default=10000)

# --- Public API (api/; docs/api.md) ----------------------------------------------------------
# Requests per key: a sustained rate and a burst on top (a token bucket counted in Redis, so
# every worker shares it; without Redis each process counts on its own). A burst lets a tool
# page through 30,000 links or retry a batch at once; the sustained rate is what a sync job
# or a spreadsheet refreshing every few seconds needs, far above what a person clicks.
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
API_RATE_LIMIT_BURST = env.int("API_RATE_LIMIT_BURST", default=300)
# Seconds a worker trusts a key it looked up. Only with Redis: every request also reads the
# keys' change stamp there, so a revocation applies at once on every worker; without Redis
# (or while it does not answer) every request looks its key up in the database.
API_KEY_CACHE_SECONDS = env.float("API_KEY_CACHE_SECONDS", default=5.0)
# A key's last-used time and address are written at most this often per key and worker.
API_KEY_LAST_USED_INTERVAL = env.float("API_KEY_LAST_USED_INTERVAL", default=60.0)
# Hours an Idempotency-Key is remembered: a retry within them gets the first answer.
API_IDEMPOTENCY_HOURS = env.int("API_IDEMPOTENCY_HOURS", default=24)

# --- Webhooks (docs/webhooks.md) -------------------------------------------------------------
# Plain-http targets. Production sends to https only; DEBUG allows http for a local receiver.
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=DEBUG)
# Loopback, private (RFC 1918, fc00::/7) and shared (100.64/10) target addresses: tests and
# local runs only. Link-local (cloud metadata), multicast and reserved ones are always refused.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)
# Seconds to connect to a target, and to wait for each part of its answer.
WEBHOOKS_CONNECT_TIMEOUT_SECONDS = env.float("WEBHOOKS_CONNECT_TIMEOUT_SECONDS", default=3.0)
WEBHOOKS_READ_TIMEOUT_SECONDS = env.float("WEBHOOKS_READ_TIMEOUT_SECONDS", default=5.0)
# Bytes of a target's answer read (and the start kept in the attempt log); the rest is dropped.
WEBHOOKS_RESPONSE_MAX_BYTES = env.int("WEBHOOKS_RESPONSE_MAX_BYTES", default=4096)
# Retries: base * 2^(n-1) seconds after the n-th failure, capped, with jitter (50-100 %),
# for this long after the event; then the delivery is given up.
WEBHOOKS_RETRY_BASE_SECONDS = env.float("WEBHOOKS_RETRY_BASE_SECONDS", default=30.0)
WEBHOOKS_RETRY_MAX_DELAY_SECONDS = env.float("WEBHOOKS_RETRY_MAX_DELAY_SECONDS", default=3600.0)
WEBHOOKS_RETRY_FOR_SECONDS = env.float("WEBHOOKS_RETRY_FOR_SECONDS", default=86400.0)
# A target is paused after this many failed attempts in a row spanning at least this long.
WEBHOOKS_PAUSE_AFTER_FAILURES = env.int("WEBHOOKS_PAUSE_AFTER_FAILURES", default=10)
WEBHOOKS_PAUSE_AFTER_SECONDS = env.float("WEBHOOKS_PAUSE_AFTER_SECONDS", default=21600.0)
# Seconds the worker waits for new deliveries when none is due (it is also woken at once
# on PostgreSQL when an event is recorded).
WEBHOOKS_POLL_INTERVAL = env.float("WEBHOOKS_POLL_INTERVAL", default=1.0)
# Clicks per clicks.recorded event (a bigger loaded batch becomes several events).
WEBHOOKS_CLICKS_PER_EVENT = env.int("WEBHOOKS_CLICKS_PER_EVENT", default=1000)
# Seconds a process trusts its answer to "does anyone want clicks.recorded?" (the click
# loader asks once per batch); a subscription made in another process counts after this.
WEBHOOKS_SUBSCRIPTION_CACHE_SECONDS = env.float("WEBHOOKS_SUBSCRIPTION_CACHE_SECONDS", default=5.0)
# Days events, deliveries and attempts are kept (the worker deletes older ones hourly).
WEBHOOKS_KEEP_DAYS = env.int("WEBHOOKS_KEEP_DAYS", default=14)

# --- Email and scheduled reports (docs/scheduled-reports.md) ---------------------------------
# EMAIL_URL (smtp://user:password@host:587/?tls=True, smtp+ssl://…, consolemail://) wins over
# the separate settings below when it is set.
_email_url = env.str("EMAIL_URL", default="")
if _email_url:
    vars().update(env.email_url_config(_email_url))
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# Seconds to wait for the mail server (connect and each answer) before a send fails.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=30.0)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Macondo reports <reports@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default="") or DEFAULT_FROM_EMAIL
# Days the shared page each report email links to stays open (0: until revoked).
REPORT_SHARE_DAYS = env.int("REPORT_SHARE_DAYS", default=365)
# A claimed report not recorded as sent after this many seconds belongs to a worker that
# stopped mid-send: another worker sends it again.
REPORT_CLAIM_TIMEOUT_SECONDS = env.float("REPORT_CLAIM_TIMEOUT_SECONDS", default=900.0)
# A failed send is retried after this many seconds × the attempts so far, up to the maximum.
REPORT_RETRY_SECONDS = env.float("REPORT_RETRY_SECONDS", default=600.0)
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=5)
# Seconds between the scheduler's ticks (each sends due reports, and rolls clicks up hourly).
SCHEDULER_TICK_SECONDS = env.float("SCHEDULER_TICK_SECONDS", default=60.0)
# Minutes past each hour the scheduler runs rollup_clicks.
SCHEDULER_ROLLUP_MINUTE = env.int("SCHEDULER_ROLLUP_MINUTE", default=5)

# --- Health, logging and progress ------------------------------------------------------------
# Seconds /health waits for `SELECT 1` before answering 503 (probes time out at ~3-5 s).
HEALTH_DATABASE_DEADLINE = env.float("HEALTH_DATABASE_DEADLINE", default=2.0)
# Seconds one database check's answer is reused by every /health request of a worker: a
# flood of /health then costs one connection per second per worker, not one per request.
HEALTH_DATABASE_CACHE_SECONDS = env.float("HEALTH_DATABASE_CACHE_SECONDS", default=1.0)
# One line per event: "line" for people, "json" for log collectors.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="line")
LOGGING = logging_config(LOG_LEVEL, LOG_FORMAT)
# Long management commands (rollup_clicks, reclassify_clicks, import_macondo) write a
# progress line this often when their output is not a terminal (a terminal gets a bar).
PROGRESS_LINE_SECONDS = env.float("PROGRESS_LINE_SECONDS", default=30.0)
