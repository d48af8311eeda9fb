"""One module per `govsite` command, and the argument types they share."""
from __future__ import annotations

import argparse

from .. import dates


def date_arg(text: str):
    """`--as-of 2026-11-25`: a calendar date, or a usage error (exit 2) saying so."""
    try:
        return dates.parse_date(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是日期，应为 YYYY-MM-DD，例如 2026-11-25") from None


def moment_arg(text: str):
    """`--as-of 2026-11-25 09:30`: a moment (Asia/Shanghai), or a usage error."""
    try:
        return dates.parse_datetime(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"“{text}”不是日期，应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM，例如 2026-11-25 09:30") from None
