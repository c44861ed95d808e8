"""Logging with ID numbers masked on every handler (a filter on a logger misses records from its children), and a
library's repeated warnings held back during an outage."""

from __future__ import annotations

import logging

from libs.common.idcard import IdMaskingFilter
from libs.common.log_limits import RepeatedLibraryLines


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, IdMaskingFilter) for f in handler.filters):
            handler.addFilter(IdMaskingFilter())
        if not any(isinstance(f, RepeatedLibraryLines) for f in handler.filters):
            handler.addFilter(RepeatedLibraryLines())
