"""One environment-driven settings module.

Embedded default: SQLite (WAL) in the project folder. Production: DATABASE_URL=postgres://…,
GONGZHI_SECRET_KEY, GONGZHI_DEBUG=0, GONGZHI_ALLOWED_HOSTS.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(int(default))).lower() in {"1", "true", "yes", "on"}


# Development is opted into (`make run` and `make test` set GONGZHI_DEBUG=1): a deployment that forgets the
# variable runs in production mode, and refuses to start without its own secret key (issue N item 15), so that it
# never serves debug pages nor accepts sessions and check-in tokens signed with a key anyone can read here.
DEBUG = env_bool("GONGZHI_DEBUG", False)
SECRET_KEY = os.environ.get("GONGZHI_SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError(
        "GONGZHI_SECRET_KEY is not set. In production set it to a long random string (python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'); for development on your own machine set GONGZHI_DEBUG=1 "
        "(make run and make test do)."
    )
ALLOWED_HOSTS = os.environ.get("GONGZHI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "gongzhi.core.thirdparty_apps.TasksConfig",
    "gongzhi.core.thirdparty_apps.AxesConfig",
    "django_otp",
    "gongzhi.core.thirdparty_apps.TOTPConfig",
    "gongzhi.core.thirdparty_apps.StaticTokensConfig",
    "gongzhi.core",
    "gongzhi.appeals",
    "gongzhi.insight",
    "gongzhi.deliberation",
    "gongzhi.credit",
    "gongzhi.community",
    "gongzhi.wechat",
    "gongzhi.calls",
    "gongzhi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "gongzhi.core.twofactor.SessionLifetimeMiddleware",
    "gongzhi.core.twofactor.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
OTP_TOTP_ISSUER = "共治"

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
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "gongzhi.core.context_processors.roles",
                "gongzhi.core.context_processors.demo_loading",
            ],
        },
    },
]

SQLITE_PATH = Path(os.environ.get("GONGZHI_SQLITE_PATH", PROJECT_DIR / "gongzhi.sqlite3"))
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}", conn_max_age=int(os.environ.get("GONGZHI_CONN_MAX_AGE", "60"))
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE transactions take the write lock up front
    # so concurrent writers queue instead of failing with "database is locked". Connections persist like
    # PostgreSQL's (GONGZHI_CONN_MAX_AGE): opening one per request (or per task) costs the PRAGMAs every time,
    # and closing the last one checkpoints the WAL.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # ":memory:" is what Django takes for an empty name; spelled out, because pytest-django recognises an in-memory
    # test database by the name or by the stock ENGINE, and would give the one below a per-worker *file* name.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("GONGZHI_TEST_SQLITE") or ":memory:"}
    # Writers of every process queue on a kernel lock beside the file instead of SQLite's sleeping busy handler
    # (gongzhi/core/sqlite/base.py); GONGZHI_SQLITE_WRITER_LOCK=0 keeps Django's own backend.
    if os.environ.get("GONGZHI_SQLITE_WRITER_LOCK", "1") != "0":
        DATABASES["default"]["ENGINE"] = "gongzhi.core.db.sqlite"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Production scale-out (docs/deploy.md). GONGZHI_DB_POOL_MAX_SIZE > 0 gives each process a psycopg pool of that size
# (Django's built-in pool; persistent connections must then be off). DATABASE_REPLICA_URL adds a streaming standby
# that takes the reads that may lag (gongzhi.core.db.router says which); tests mirror it onto the primary.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _pool_max = int(os.environ.get("GONGZHI_DB_POOL_MAX_SIZE", "0"))
    _db_options: dict[str, dict[str, object]] = (
        {
            "pool": {
                "min_size": int(os.environ.get("GONGZHI_DB_POOL_MIN_SIZE", "1")),
                "max_size": _pool_max,
                "timeout": float(os.environ.get("GONGZHI_DB_POOL_TIMEOUT", "10")),
            }
        }
        if _pool_max
        else {}
    )
    if _db_options:  # a pooled connection is checked before use, so a restarted server costs no request
        from gongzhi.core.db.pool import check_pooled_connection

        _db_options["pool"]["check"] = check_pooled_connection
    _replica_url = os.environ.get("DATABASE_REPLICA_URL", "")
    if _replica_url:
        DATABASES["replica"] = dj_database_url.parse(
            _replica_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]
        )
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
        DATABASE_ROUTERS = ["gongzhi.core.db.router.PrimaryReplicaRouter"]
        MIDDLEWARE.insert(1, "gongzhi.core.db.router.ReplicaReadsMiddleware")  # before sessions and auth
    for _db in DATABASES.values():
        if _db_options:
            _db["CONN_MAX_AGE"] = 0
            _db["OPTIONS"] = {**_db.get("OPTIONS", {}), "pool": dict(_db_options["pool"])}
        # A connection found dead (a restarted server) is replaced before use instead of failing one request.
        _db["CONN_HEALTH_CHECKS"] = True
    # GONGZHI_DB_SYNCHRONOUS_COMMIT=off for the task worker only (scripts/cluster.py sets it): what it writes is
    # derived and its tasks are idempotent, so a crash that loses its last ~0.2 s of commits only runs a few tasks
    # again, while its commits no longer wait for the disk. The web nodes keep the default: an appeal is on disk
    # before it is acknowledged.
    # No JIT: the board's and the lists' queries over millions of rows have plan costs that trigger it, and it
    # then spends 180–260 ms compiling each one for queries that run in tens of ms (measured at 10 M appeals,
    # bench/scale.py); JIT pays off only for long analytic queries, which this site does not serve.
    _server_options = ["-c jit=off"]
    if os.environ.get("GONGZHI_DB_SYNCHRONOUS_COMMIT") in {
        "off",
        "local",
        "remote_write",
        "on",
        "remote_apply",
    }:
        _server_options.append(f"-c synchronous_commit={os.environ['GONGZHI_DB_SYNCHRONOUS_COMMIT']}")
    for _db in DATABASES.values():
        _db.setdefault("OPTIONS", {})["options"] = " ".join(_server_options)
    # GONGZHI_DB_SERVER_SIDE_BINDING=1: prepared statements. The server then parses and plans a query once per
    # connection instead of on every execution: its CPU per submission fell from 3.3-3.4 to 2.2 ms for the web nodes'
    # sessions (bench/load.py pg_cpu_ms_by_app, RATE=100, two back-to-back pairs). They need server-side binding (Django's default client-side
    # binding sends literal SQL, which cannot be prepared); psycopg prepares a query the
    # GONGZHI_DB_PREPARE_THRESHOLD-th time (default 5) a connection runs it and keeps its 100 most recent. Off by
    # default until the whole PostgreSQL suite has run with it: server-side binding sends Django's Value(int) in an
    # expression as int4, which psycopg's binary dumper silently wraps past 2**31 (it corrupted RateCounter's
    # handling_micros before counters.py typed it), so an int4 parameter is sent as text instead and the server
    # refuses an out-of-range one. Behind PgBouncer in transaction mode before 1.21, leave it off.
    if env_bool("GONGZHI_DB_SERVER_SIDE_BINDING", False):
        import psycopg
        from psycopg.types.numeric import Int4, Int4Dumper

        psycopg.adapters.register_dumper(
            Int4, Int4Dumper
        )  # text: an overflow is an error, never a wrapped value
        _prepare = os.environ.get("GONGZHI_DB_PREPARE_THRESHOLD", "5")
        for _db in DATABASES.values():
            _db["OPTIONS"]["server_side_binding"] = True
            _db["OPTIONS"]["prepare_threshold"] = None if _prepare == "off" else int(_prepare)
GONGZHI_REPLICA_PIN_SECONDS = int(os.environ.get("GONGZHI_REPLICA_PIN_SECONDS", "10"))

# The cache holds rate-limit counters, so it must be shared by every web process: the database is the one
# store all of them already share (`gongzhi createcachetable` creates the table; tests create it by themselves).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "gongzhi_cache",
    }
}

# Content-Security-Policy (Django's own): scripts only from this site or an inline block carrying the request's
# nonce (templates write nonce="{{ csp_nonce }}"); styles keep 'unsafe-inline' because the templates use many
# style="" attributes (a style cannot run code; scripts stay strict); no framing, no plugins, forms post here.
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Maps (gongzhi/core/maps.py, docs/deploy.md): a tile URL template ({z}/{x}/{y}, {s} for subdomains), its
# attribution and its coordinate system (wgs84: 天地图 and most; gcj02: 高德, 腾讯). None by default: the maps then
# draw the regions' boundaries alone. The CSP allows images from the tile host only.
GONGZHI_MAP_TILES = os.environ.get("GONGZHI_MAP_TILES", "")
GONGZHI_MAP_ATTRIBUTION = os.environ.get("GONGZHI_MAP_ATTRIBUTION", "")
GONGZHI_MAP_SUBDOMAINS = os.environ.get("GONGZHI_MAP_SUBDOMAINS", "")
GONGZHI_MAP_CRS = os.environ.get("GONGZHI_MAP_CRS", "wgs84")
if GONGZHI_MAP_CRS not in ("wgs84", "gcj02"):
    raise RuntimeError("GONGZHI_MAP_CRS must be wgs84 or gcj02")


def _tile_source():
    from gongzhi.core.maps import tile_csp_source

    return tile_csp_source(GONGZHI_MAP_TILES)


if _tile_source():
    SECURE_CSP["img-src"].append(_tile_source())
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Login lockout (django-axes, gongzhi/core/lockout.py): 5 failed passwords for one username from one address lock
# that pair for 15 minutes; attempts are rows in the database, so every web process sees them.
AUTHENTICATION_BACKENDS = ["gongzhi.core.lockout.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("GONGZHI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("GONGZHI_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "gongzhi.core.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "gongzhi.core.clientaddr.client_ip"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("GONGZHI_STATIC_ROOT", PROJECT_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("GONGZHI_MEDIA_ROOT", PROJECT_DIR / "media"))
# The unit router (insight.router), learnt from this installation's dispatch history by `gongzhi train_router`
# (daily, PERIODIC_TASKS): outside git and outside MEDIA_ROOT (which is served).
INSIGHT_ROUTER_MODEL = Path(os.environ.get("GONGZHI_ROUTER_MODEL", PROJECT_DIR / "var" / "router.joblib"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

TASKS = {"default": {"BACKEND": os.environ.get("GONGZHI_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "gongzhi.core.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "gongzhi.core.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "gongzhi.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "gongzhi API",
    "DESCRIPTION": "共治 — 诉求直通车与社区共治平台 API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "AppealKindEnum": "gongzhi.appeals.choices.AppealKind",
        "UnitKindEnum": "gongzhi.core.choices.UnitKind",
        "AppealChannelEnum": "gongzhi.appeals.choices.Channel",
        "AppealStateEnum": "gongzhi.appeals.choices.AppealState",
        "MeetingKindEnum": "gongzhi.deliberation.choices.MeetingKind",
        "NeedKindEnum": "gongzhi.community.choices.NeedKind",
        "CreditCaseStateEnum": "gongzhi.credit.choices.CaseState",
        "ListingGroundEnum": "gongzhi.credit.choices.Ground",
        "DeletionGroundEnum": "gongzhi.credit.choices.DeletionGround",
        "ObjectionGroundEnum": "gongzhi.credit.choices.ObjectionGround",
        "RepairGroundEnum": "gongzhi.credit.choices.RepairGround",
    },
}

# Production (GONGZHI_DEBUG=0) logs everything to the console, for the service manager to keep. In development the
# diagnostics (slow SQLite writes, task retries …) go to the file GONGZHI_LOG_FILE (default gongzhi.log in the project
# folder) and the console shows only errors, so that `make run` says what a newcomer needs and nothing that reads
# like a fault; GONGZHI_CONSOLE_LOG_LEVEL=INFO asks for the diagnostics on the console too. The development SMS
# gateway's login codes (logger gongzhi.sms.codes) are always shown on the console: there is no phone.
_LOG_LEVEL = os.environ.get("GONGZHI_LOG_LEVEL", "INFO")
_LOG_FILE = os.environ.get("GONGZHI_LOG_FILE", str(PROJECT_DIR / "gongzhi.log") if DEBUG else "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "file": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d: %(message)s"},
        "sms": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "level": os.environ.get("GONGZHI_CONSOLE_LOG_LEVEL", "ERROR" if _LOG_FILE else "NOTSET"),
        },
        "sms_console": {"class": "logging.StreamHandler", "formatter": "sms"},
        **(
            {
                "file": {
                    "class": "logging.handlers.WatchedFileHandler",
                    "filename": _LOG_FILE,
                    "formatter": "file",
                    "encoding": "utf-8",
                    "delay": True,
                }
            }
            if _LOG_FILE
            else {}
        ),
    },
    "loggers": {
        "gongzhi": {"handlers": ["console", *(["file"] if _LOG_FILE else [])], "level": _LOG_LEVEL},
        "gongzhi.sms.codes": {"handlers": ["sms_console"], "level": "INFO", "propagate": bool(_LOG_FILE)},
    },
}

# ---- gongzhi's own settings (defaults of ../spec/appeals.md; admins tune per category in the admin) ----
GONGZHI: dict[str, Any] = {
    "NOTIFICATION_BACKEND": os.environ.get(
        "GONGZHI_NOTIFICATION_BACKEND", "gongzhi.core.notifications.DatabaseConsoleBackend"
    ),
    # The SMS provider (a core.notifications.SmsGateway subclass); the default writes to the console.
    "SMS_GATEWAY": os.environ.get("GONGZHI_SMS_GATEWAY", "gongzhi.core.notifications.ConsoleSmsGateway"),
    # The providers (core.sms): gongzhi.core.sms.aliyun.AliyunSmsGateway or gongzhi.core.sms.tencent.TencentSmsGateway
    # as SMS_GATEWAY, their credentials, filed signature and endpoint (docs/deploy.md, SMS).
    "SMS_ALIYUN_ACCESS_KEY_ID": os.environ.get("GONGZHI_SMS_ALIYUN_ACCESS_KEY_ID", ""),
    "SMS_ALIYUN_ACCESS_KEY_SECRET": os.environ.get("GONGZHI_SMS_ALIYUN_ACCESS_KEY_SECRET", ""),
    "SMS_ALIYUN_SIGN_NAME": os.environ.get("GONGZHI_SMS_ALIYUN_SIGN_NAME", ""),
    "SMS_ALIYUN_ENDPOINT": os.environ.get("GONGZHI_SMS_ALIYUN_ENDPOINT", "dysmsapi.aliyuncs.com"),
    "SMS_ALIYUN_PROTOCOL": os.environ.get("GONGZHI_SMS_ALIYUN_PROTOCOL", "https"),
    "SMS_TENCENT_SECRET_ID": os.environ.get("GONGZHI_SMS_TENCENT_SECRET_ID", ""),
    "SMS_TENCENT_SECRET_KEY": os.environ.get("GONGZHI_SMS_TENCENT_SECRET_KEY", ""),
    "SMS_TENCENT_APP_ID": os.environ.get("GONGZHI_SMS_TENCENT_APP_ID", ""),
    "SMS_TENCENT_SIGN_NAME": os.environ.get("GONGZHI_SMS_TENCENT_SIGN_NAME", ""),
    "SMS_TENCENT_REGION": os.environ.get("GONGZHI_SMS_TENCENT_REGION", "ap-guangzhou"),
    "SMS_TENCENT_ENDPOINT": os.environ.get("GONGZHI_SMS_TENCENT_ENDPOINT", "sms.tencentcloudapi.com"),
    "SMS_TENCENT_PROTOCOL": os.environ.get("GONGZHI_SMS_TENCENT_PROTOCOL", "https"),
    # Seconds to wait for the provider before the send counts as failed (and is retried).
    "SMS_TIMEOUT_SECONDS": float(os.environ.get("GONGZHI_SMS_TIMEOUT_SECONDS", "5")),
    # The secret path segment of the receipt and inbound URLs (/sms/<provider>/<token>/report/ and …/up/), and the
    # addresses the pushes may come from (comma-separated; empty: any).
    "SMS_CALLBACK_TOKEN": os.environ.get("GONGZHI_SMS_CALLBACK_TOKEN", ""),
    "SMS_CALLBACK_IPS": [
        a.strip() for a in os.environ.get("GONGZHI_SMS_CALLBACK_IPS", "").split(",") if a.strip()
    ],
    # Notices to one number: at most this many a minute and a day (login codes have their own OTP limits).
    "SMS_PER_MINUTE": int(os.environ.get("GONGZHI_SMS_PER_MINUTE", "1")),
    "SMS_PER_DAY": int(os.environ.get("GONGZHI_SMS_PER_DAY", "10")),
    # A template variable longer than this is cut (Alibaba's limit for a notice's variable is 35 characters).
    "SMS_VARIABLE_MAX": int(os.environ.get("GONGZHI_SMS_VARIABLE_MAX", "35")),
    # A notification that fails is tried again after NOTIFY_RETRY_SECONDS, doubling each time (at most an hour),
    # NOTIFY_MAX_ATTEMPTS times in all; an SMS then falls back to the site message.
    "NOTIFY_RETRY_SECONDS": int(os.environ.get("GONGZHI_NOTIFY_RETRY_SECONDS", "60")),
    "NOTIFY_MAX_ATTEMPTS": int(os.environ.get("GONGZHI_NOTIFY_MAX_ATTEMPTS", "5")),
    # The public address, for links in e-mails.
    "SITE_URL": os.environ.get("GONGZHI_SITE_URL", "http://127.0.0.1:8000"),
    # A SQLite write transaction holding the writer lock this long is logged (gongzhi.core.db.sqlite).
    "SQLITE_SLOW_WRITE_MS": int(os.environ.get("GONGZHI_SQLITE_SLOW_WRITE_MS", "250")),
    "OTP_TTL_SECONDS": 300,
    "OTP_MAX_ATTEMPTS": 5,
    "OTP_RESEND_SECONDS": 60,
    "OTP_MAX_PER_HOUR": 5,
    "REOPEN_LIMIT": 2,
    "EXTENSION_MAX_COUNT": 2,
    "EXTENSION_MAX_WORKING_DAYS": 15,
    "WARNING_FRACTION": 0.25,
    "BASICALLY_SATISFIED_WEIGHT": "0.9",
    "COMPOSITE_WEIGHTS": {"response": "0.1", "resolution": "0.5", "satisfaction": "0.4"},
    "RANKING_MIN_CALLBACKS": 10,
    "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    "ATTACHMENT_TYPES": {
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/gif": ".gif",
        "image/webp": ".webp",
        "audio/mpeg": ".mp3",
        "audio/wav": ".wav",
        "audio/x-m4a": ".m4a",
        "application/pdf": ".pdf",
    },
    # (task path, interval in seconds) for `gongzhi scheduler`; each task is idempotent.
    "PERIODIC_TASKS": [
        ("gongzhi.appeals.tasks.sweep_deadlines", 60),
        ("gongzhi.deliberation.tasks.remind_overdue_tasks", 24 * 3600),
        ("gongzhi.insight.tasks.send_nearby_digests", 24 * 3600),
        ("gongzhi.insight.tasks.learn_places", 24 * 3600),
        ("gongzhi.insight.tasks.cool_hotspots", 24 * 3600),
        ("gongzhi.insight.tasks.train_router", 24 * 3600),
        ("gongzhi.credit.tasks.credit_sweep", 300),
        ("gongzhi.core.outbox.deliver_outbox", 60),
        ("gongzhi.core.task_recovery.requeue_stale_tasks", 60),
        ("gongzhi.core.tasks.audit_checkpoint", 24 * 3600),
        ("gongzhi.appeals.tasks.apply_retention", 24 * 3600),
        ("gongzhi.calls.tasks.apply_retention", 24 * 3600),
        ("gongzhi.wechat.tasks.prune_log", 24 * 3600),
    ],
    # A task RUNNING longer than this is taken for one whose worker died, and is run again (tasks are idempotent).
    "TASK_STALE_SECONDS": int(os.environ.get("GONGZHI_TASK_STALE_SECONDS", str(30 * 60))),
    # Insight: dispatch by itself when the classifier is at least this confident (None: off, the default), acting
    # as this user (who must hold the dispatcher role).
    "AUTO_DISPATCH_CONFIDENCE": None,
    "AUTO_DISPATCH_USER": "system-dispatcher",
    "DEMO_PASSWORD": os.environ.get("GONGZHI_DEMO_PASSWORD", "gongzhi-demo"),
    # The reverse proxies whose X-Forwarded-For names the client (core.clientaddr): addresses or networks, e.g. nginx's.
    "TRUSTED_PROXIES": [p for p in os.environ.get("GONGZHI_TRUSTED_PROXIES", "").split(",") if p.strip()],
    # Appeals submitted without an account, per client address (the API and the form share the limit).
    "ANONYMOUS_SUBMIT_RATE": os.environ.get("GONGZHI_ANONYMOUS_SUBMIT_RATE", "30/hour"),
    # Outbound hosts (webhooks, credit platforms) that may be private, e.g. an intranet's platform: "host" or
    # "host:port" (core.netguard); everything else must resolve to public addresses.
    "OUTBOUND_ALLOWED_HOSTS": [
        h for h in os.environ.get("GONGZHI_OUTBOUND_ALLOWED_HOSTS", "").split(",") if h.strip()
    ],
    # File drops of credit platforms are written only inside this folder.
    "FILE_DROP_ROOT": os.environ.get("GONGZHI_FILE_DROP_ROOT", str(PROJECT_DIR / "drops")),
    # Retention (个人信息保护法 第19条): closed appeals lose the appellant's personal data after this many years, and
    # their attachments are deleted after theirs (appeals.personal_data.apply_retention, daily); calls forget the
    # caller's number and recording link RETENTION_YEARS after they rang (calls.personal_data.apply_retention).
    "RETENTION_YEARS": int(os.environ.get("GONGZHI_RETENTION_YEARS", "5")),
    "ATTACHMENT_RETENTION_YEARS": int(os.environ.get("GONGZHI_ATTACHMENT_RETENTION_YEARS", "3")),
    # Second factor (core.twofactor): the roles that must give one after their password. Production: the roles that
    # see or change the most; development and the demo leave it off unless GONGZHI_2FA_ROLES is set.
    "TWO_FACTOR_ROLES": [
        r.strip()
        for r in os.environ.get(
            "GONGZHI_2FA_ROLES", "" if DEBUG else "admin,supervisor,leader,credit_officer"
        ).split(",")
        if r.strip()
    ],
    # Sessions end after this long without activity, and after the absolute lifetime however active.
    "STAFF_IDLE_SECONDS": int(os.environ.get("GONGZHI_STAFF_IDLE_MINUTES", "30")) * 60,
    "STAFF_SESSION_MAX_SECONDS": int(os.environ.get("GONGZHI_STAFF_SESSION_MAX_HOURS", "12")) * 3600,
    "RESIDENT_IDLE_SECONDS": int(os.environ.get("GONGZHI_RESIDENT_IDLE_DAYS", "7")) * 86400,
    "RESIDENT_SESSION_MAX_SECONDS": int(os.environ.get("GONGZHI_RESIDENT_SESSION_MAX_DAYS", "30")) * 86400,
    # The audit trail (core.audit): the chains' HMAC key (outside the database; without it, derived from the secret
    # key, which `check --deploy` warns about); the Ed25519 key that signs checkpoints (a PEM file or base64) and
    # the public key that verifies them (default: the signing key's); where the periodic checkpoint is written
    # (meant for write-once storage; unset: no periodic checkpoint).
    "AUDIT_KEY": os.environ.get("GONGZHI_AUDIT_KEY", ""),
    # Personal data at rest (core.fieldcrypt): the AES-GCM key ring, newest first, and the blind-index key.
    "FIELD_KEYS": os.environ.get("GONGZHI_FIELD_KEYS", ""),
    "BLIND_INDEX_KEY": os.environ.get("GONGZHI_BLIND_INDEX_KEY", ""),
    "AUDIT_SIGNING_KEY": os.environ.get("GONGZHI_AUDIT_SIGNING_KEY", ""),
    "AUDIT_VERIFY_KEY": os.environ.get("GONGZHI_AUDIT_VERIFY_KEY", ""),
    "AUDIT_CHECKPOINT_DIR": os.environ.get("GONGZHI_AUDIT_CHECKPOINT_DIR", ""),
    # An API token ends this long after it was issued (core.tokens); the next login issues a new one.
    "API_TOKEN_TTL_HOURS": int(os.environ.get("GONGZHI_API_TOKEN_TTL_HOURS", str(7 * 24))),
    # While `gongzhi load_demo` runs, how far it has come (core.demo_state; every page shows it as a banner).
    "DEMO_STATE_FILE": os.environ.get("GONGZHI_DEMO_STATE_FILE", str(PROJECT_DIR / ".demo-loading.json")),
    # Nearby duplicates offered while an appeal is typed (appeals spec §6): open appeals of the last NEARBY_DAYS in
    # the same community or within NEARBY_RADIUS_M metres.
    "NEARBY_RADIUS_M": int(os.environ.get("GONGZHI_NEARBY_RADIUS_M", "250")),
    "NEARBY_DAYS": int(os.environ.get("GONGZHI_NEARBY_DAYS", "30")),
    # The public density map shows only cells with at least this many appeals (k-anonymity; never below 5).
    "DENSITY_MIN_COUNT": int(os.environ.get("GONGZHI_DENSITY_MIN_COUNT", "5")),
    # Anonymous reads of public data (the density map), per client address.
    "PUBLIC_READ_RATE": os.environ.get("GONGZHI_PUBLIC_READ_RATE", "60/minute"),
    # The county's 公众号 (gongzhi.wechat, docs/deploy.md): the server URL's token, AppID and AppSecret, the
    # EncodingAESKey (安全模式; empty: plaintext), WeChat's API and 网页授权 hosts (a local server in the tests), the
    # region new WeChat appeals are filed in until the dispatcher places them (a region code; default: the county),
    # and how long after a text its images and locations join its appeal.
    "WECHAT": {
        "TOKEN": os.environ.get("GONGZHI_WECHAT_TOKEN", ""),
        "APPID": os.environ.get("GONGZHI_WECHAT_APPID", ""),
        "SECRET": os.environ.get("GONGZHI_WECHAT_SECRET", ""),
        "AES_KEY": os.environ.get("GONGZHI_WECHAT_AES_KEY", ""),
        "API_BASE_URL": os.environ.get("GONGZHI_WECHAT_API_BASE_URL", "https://api.weixin.qq.com/"),
        "OAUTH_URL": os.environ.get("GONGZHI_WECHAT_OAUTH_URL", "https://open.weixin.qq.com/connect/"),
        "OAUTH_SCOPE": os.environ.get("GONGZHI_WECHAT_OAUTH_SCOPE", "snsapi_base"),
        "REGION": os.environ.get("GONGZHI_WECHAT_REGION", ""),
        "SUPPLEMENT_MINUTES": int(os.environ.get("GONGZHI_WECHAT_SUPPLEMENT_MINUTES", "10")),
        "TIMEOUT": float(os.environ.get("GONGZHI_WECHAT_TIMEOUT", "5")),
    },
    # The call centre (gongzhi.calls): an appeal an operator registers up to this long after their call ended is
    # linked to the call (话后处理); a ringing call unanswered this long is shown as no longer ringing.
    "CTI_WRAPUP_MINUTES": int(os.environ.get("GONGZHI_CTI_WRAPUP_MINUTES", "10")),
}

# Notices by e-mail go through Django's mail framework (Django 6.1 MAILERS): the console in development; SMTP in
# production (GONGZHI_EMAIL_HOST etc.; GONGZHI_EMAIL_BACKEND chooses another backend).
# Tests get the in-memory backend from Django's test runner.
_EMAIL_BACKEND = os.environ.get(
    "GONGZHI_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": {}
        if not _EMAIL_BACKEND.endswith("smtp.EmailBackend")
        else {
            "host": os.environ.get("GONGZHI_EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("GONGZHI_EMAIL_PORT", "25")),
            "username": os.environ.get("GONGZHI_EMAIL_USER", ""),
            "password": os.environ.get("GONGZHI_EMAIL_PASSWORD", ""),
            "use_tls": os.environ.get("GONGZHI_EMAIL_TLS", "0") == "1",
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("GONGZHI_EMAIL_FROM", "共治 <noreply@gongzhi.local>")

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    # Production serves over HTTPS behind the reverse proxy of docs/deploy.md, which terminates TLS and sets
    # X-Forwarded-Proto (it must overwrite, never pass on, the client's). Plain HTTP is redirected, except the
    # health check the load balancer calls on the node itself; browsers are told to use HTTPS only (HSTS).
    SESSION_COOKIE_SECURE = env_bool("GONGZHI_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    if env_bool("GONGZHI_BEHIND_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("GONGZHI_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("GONGZHI_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GONGZHI_HSTS_SUBDOMAINS", True)
    # Joining the browsers' preload list binds the whole domain for years: the county's network administrators
    # decide it (GONGZHI_HSTS_PRELOAD=1), so `check --deploy` does not ask for it.
    SECURE_HSTS_PRELOAD = env_bool("GONGZHI_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

ROLE_LABELS = {
    "resident": _("居民"),
    "operator": _("话务员"),
    "dispatcher": _("派单员"),
    "handler": _("承办人"),
    "supervisor": _("督办员"),
    "grid_worker": _("网格员"),
    "party_member": _("党员"),
    "community_staff": _("社区工作者"),
    "credit_officer": _("信用专员"),
    "leader": _("领导"),
    "admin": _("管理员"),
}
