"""All configuration of Macondo, read from the environment (see .env.example).

Local runs set DEBUG=true explicitly (the quick start does); everything else defaults to
the safe, production value.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file is a convenience for local runs; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

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

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Public base of short links, e.g. https://mcd.link. Used to print short URLs and to refuse
# destinations that point back at the shortener (redirect loops).
SHORT_LINK_BASE_URL = env.str("SHORT_LINK_BASE_URL", default="http://127.0.0.1:8000")
# Other hosts that also serve short links (old domains, aliases): also refused as destinations.
SHORT_LINK_EXTRA_HOSTS = env.list("SHORT_LINK_EXTRA_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "accounts",
    "links",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "macondo.urls"
WSGI_APPLICATION = "macondo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# No DATABASE_URL: an embedded SQLite file, so a newcomer sees the app without a server.
# Production and the test suite use PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# A new connection per request costs ~10 ms of CPU: keep connections, check them on reuse.
# Behind PgBouncer in transaction mode set CONN_MAX_AGE=0 and let the bouncer pool.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/dashboard/"

# --- Internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
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

# --- Security (production values unless DEBUG) -------------------------------------------------
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

# --- Click tracking ----------------------------------------------------------------------------
GEOIP_CITY_DB = env.str("GEOIP_CITY_DB", default="")
GEOIP_ASN_DB = env.str("GEOIP_ASN_DB", default="")
# How many reverse proxies in front of the app append to X-Forwarded-For. 0: trust none.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Zero the last IPv4 octet / last 80 IPv6 bits before storing or logging an address.
ANONYMIZE_IP = env.bool("ANONYMIZE_IP", default=False)
REDIS_URL = env.str("REDIS_URL", default="")

# --- Short links and click recording (issue 4) -------------------------------------------
# Seconds a worker trusts its cached short-code lookup while it hears of link changes
# through Redis (REDIS_URL; changes then reach every worker within LINK_CACHE_SYNC_INTERVAL).
LINK_CACHE_TTL = env.float("LINK_CACHE_TTL", default=300.0)
LINK_CACHE_SYNC_INTERVAL = env.float("LINK_CACHE_SYNC_INTERVAL", default=1.0)
# Without Redis (or while it is down), and for unknown codes: a deactivated or edited link
# stops or changes redirecting in every worker within this window.
LINK_CACHE_TTL_WITHOUT_SYNC = env.float("LINK_CACHE_TTL_WITHOUT_SYNC", default=5.0)
# Codes each worker keeps (LRU, ~300 bytes each); unknown codes count too, so scans stay
# bounded. Set it to at least the number of links that get clicks.
LINK_CACHE_SIZE = env.int("LINK_CACHE_SIZE", default=100000)
# Newest active links loaded into each worker's cache when it starts (0: none).
LINK_CACHE_PRIME = env.int("LINK_CACHE_PRIME", default=100000)
# While PostgreSQL is down, known links keep redirecting from a cache entry up to this old.
LINK_CACHE_STALE_SECONDS = env.float("LINK_CACHE_STALE_SECONDS", default=3600.0)
# Clicks are appended to files here and loaded into PostgreSQL by a flusher thread in each
# worker. Local disk shared by all workers of a host, kept across restarts (not tmpfs).
CLICK_SPOOL_DIR = env.str("CLICK_SPOOL_DIR", default=str(BASE_DIR / "var" / "click-spool"))
# Seconds between loads of spooled clicks (how fresh the dashboards are).
CLICK_FLUSH_INTERVAL = env.float("CLICK_FLUSH_INTERVAL", default=1.0)
# Clicks per COPY transaction when loading a spool file.
CLICK_FLUSH_BATCH_SIZE = env.int("CLICK_FLUSH_BATCH_SIZE", default=5000)
# Run the flusher thread inside each web process. Off: run `manage.py drain_clicks --follow`.
CLICK_FLUSHER_THREAD = env.bool("CLICK_FLUSHER_THREAD", default=True)
# Characters of the user agent and referrer stored per click (longer ones are cut).
CLICK_USER_AGENT_MAX_CHARS = env.int("CLICK_USER_AGENT_MAX_CHARS", default=1000)
CLICK_REFERRER_MAX_CHARS = env.int("CLICK_REFERRER_MAX_CHARS", default=2000)
# Benchmarks only: serve a constant-302 baseline view at /bench-302/<code>.
BENCH_VIEWS = env.bool("BENCH_VIEWS", default=False)

# --- Logging ----------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}
