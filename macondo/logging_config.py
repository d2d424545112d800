"""The LOGGING dict of the settings: one line per event on the console, "line" for people
or "json" for log collectors, with visitor IPs and credentials masked (macondo/logs.py)."""


def logging_config(level, log_format):
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            # Masks visitor IPs (when ANONYMIZE_IP) and credentials in every record.
            "redact": {"()": "macondo.logs.RedactFilter"},
        },
        "formatters": {
            "line": {"()": "macondo.logs.LineFormatter"},
            "json": {"()": "macondo.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if log_format == "json" else "line",
                "filters": ["redact"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": ["console"], "level": level, "propagate": False},
            # axes logs its version and lockout mode at INFO in every process that loads
            # Django (each manage.py command, both runserver processes, every gunicorn
            # worker); the lockout mode is in these settings. Its warnings (lockouts) show.
            "axes.apps": {"level": "WARNING"},
        },
    }
