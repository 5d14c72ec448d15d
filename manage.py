#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from config.embedded_postgres import EmbeddedServerError

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A setting a person must fix: say which, without a stack trace.
        sys.exit(f"Afterword is not configured: {error}")
    except EmbeddedServerError as error:
        sys.exit(f"Afterword's database: {error}")


if __name__ == "__main__":
    main()
