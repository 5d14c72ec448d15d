"""The site's one mailer, from EMAIL_URL."""

from __future__ import annotations

import environ

# What each backend takes, by the name django-environ gives it.
_SMTP_OPTIONS = {
    "EMAIL_HOST": "host",
    "EMAIL_PORT": "port",
    "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password",
    "EMAIL_USE_TLS": "use_tls",
    "EMAIL_USE_SSL": "use_ssl",
}
_OPTIONS = {
    "django.core.mail.backends.smtp.EmailBackend": _SMTP_OPTIONS,
    "django.core.mail.backends.filebased.EmailBackend": {"EMAIL_FILE_PATH": "file_path"},
}


def mailers_from_url(url: str) -> dict:
    """MAILERS for an EMAIL_URL such as `smtp+tls://user:password@host:587`,
    `smtp://mailpit:1025` or `consolemail://`."""
    parsed = environ.Env.email_url_config(url)
    backend = parsed["EMAIL_BACKEND"]
    names = _OPTIONS.get(backend, {})
    options = {names[key]: value for key, value in parsed.items() if key in names and value}
    if backend.endswith(".smtp.EmailBackend") and "TIMEOUT" in parsed.get("OPTIONS", {}):
        options["timeout"] = parsed["OPTIONS"]["TIMEOUT"]
    return {"default": {"BACKEND": backend, "OPTIONS": options}}
