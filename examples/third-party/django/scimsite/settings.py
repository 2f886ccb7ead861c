# Minimal Django project serving django-scim2's stock views/adapters on loopback, for
# manual testing of scimtest against a third-party SCIM server. Not for production.
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "scimtest-local-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

PORT = int(os.environ.get("SCIM_DJANGO_PORT", "18400"))
SCIM_BEARER_TOKEN = os.environ.get("TOKEN", "tok-django-123456")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django_scim",
    "scimapp",
]

# No sessions/CSRF: only the bearer-token middleware. django-scim2's own
# SCIMAuthCheckMiddleware is applied by its views (AUTH_CHECK_MIDDLEWARE) and
# answers 401 when request.user is not authenticated.
MIDDLEWARE = [
    "scimsite.middleware.BearerTokenMiddleware",
]

ROOT_URLCONF = "scimsite.urls"
WSGI_APPLICATION = "scimsite.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SCIM_DJANGO_DB", str(BASE_DIR / "db.sqlite3")),
    }
}

AUTH_USER_MODEL = "scimapp.User"
# SCIM clients may send passwords; keep hashing cheap on this shared 2-core box.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

SCIM_SERVICE_PROVIDER = {
    "NETLOC": f"127.0.0.1:{PORT}",
    "SCHEME": "http",
    "GROUP_MODEL": "scimapp.models.Group",
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Static bearer token (Authorization: Bearer <token>)",
            "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
        },
    ],
    "WWW_AUTHENTICATE_HEADER": 'Bearer realm="django-scim2"',
    "EXPOSE_SCIM_EXCEPTIONS": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django_scim": {"handlers": ["console"], "level": "WARNING"},
        "django.request": {"handlers": ["console"], "level": "ERROR"},
    },
}
