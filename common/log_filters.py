"""Log filters.

A refused request (403) is the system working as designed: Django's request
logger still attaches the PermissionDenied traceback to its warning, so every
learner who opens a coordinator link filled the log with a stack trace. The
one line ("Forbidden: /path") is kept; the traceback goes.
"""

import logging


class NoTracebackForClientErrors(logging.Filter):
    """Drop ``exc_info`` from ``django.request`` records of 4xx answers."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
