"""``python -m replydesk`` and the ``replydesk`` console script. A plugin that cannot be loaded (see
:mod:`replydesk.plugins`) is reported as one line naming its entry point and distribution, exit code 1."""

from __future__ import annotations

import sys


def main() -> None:
    from replydesk.plugins import PluginError

    try:
        from replydesk.cli import app

        app()
    except PluginError as exc:  # a command group at start-up, or a check, channel or drafter when first needed
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":  # not when a spawned worker process imports it
    main()
