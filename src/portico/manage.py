"""The ``portico`` console command: Django's manage command for this project.

Command names may be written with hyphens (``portico demo-data``); they map to Django's
module names with underscores (``demo_data``), so the documented commands read naturally.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portico.config.settings.local")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "portico"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
