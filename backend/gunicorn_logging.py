"""Gunicorn's access log without calendar feed tokens.

A feed URL (``/calendars/<token>.ics``) is the only credential of a person's
calendar: anyone who reads it in a log file can follow that person's courses
and coaching meetings. Django never logs it (``calendars.views``); this logger
class keeps it out of gunicorn's access log too, by masking the token in the
request line, the path and the referer before the line is formatted.

Used by ``backend/gunicorn.conf.py`` (the Dockerfile and docker-compose.yml
start gunicorn with it).
"""

import re

from gunicorn.glogging import Logger

FEED_TOKEN = re.compile(r"(/calendars/)[A-Za-z0-9_-]{20,128}(\.ics)")
MASK = r"\1***\2"
# gunicorn's atoms that can carry the request path.
PATH_ATOMS = ("r", "U", "f", "{raw_uri}e", "{path_info}e", "{referer}i")


def mask_feed_tokens(text: str) -> str:
    return FEED_TOKEN.sub(MASK, text)


class MaskingLogger(Logger):
    """gunicorn.glogging.Logger with feed tokens masked in every path atom."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in PATH_ATOMS:
            value = atoms.get(key)
            if isinstance(value, str):
                atoms[key] = mask_feed_tokens(value)
        return atoms
