"""Who carries a text message: a gateway with ``send(message)``.

``FileGateway`` (the embedded default, ``KURSLOTSE_SMS_GATEWAY=file``) writes
each message as one file to ``KURSLOTSE_SMS_FILE_PATH`` (``var/sms/``), as
Django's file backend writes each email to ``var/mail/``: open one to read
what a phone would show. ``HttpGateway`` (``KURSLOTSE_SMS_GATEWAY=http``)
posts each message as JSON to a provider's URL, with its credentials and the
sender name from settings, and a timeout on every call. Its answers are
sorted as the outbox needs them: a 5xx, 408 or 429, a timeout or a refused
connection is a ``TransientError`` (tried again later; a connection that
failed is ``broken``, so the rest of a batch does not wait for it too); any
other 4xx is a ``PermanentError`` (the number or the request is refused:
trying again cannot help). Tests use a local fake server, never a provider.
"""

import base64
import json
import logging
import os
import re
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone

from ..errors import PermanentError, TransientError
from .segments import count

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    to: str  # E.164
    text: str
    reference: str  # the outbox row's idempotency key: the provider may de-duplicate on it


class Gateway(Protocol):
    def send(self, message: Message) -> None: ...


class FileGateway:
    """One file per message: headers (To, From, Reference, Encoding, Segments),
    a blank line, the text. Written to a temporary name and renamed, so a
    reader never sees half a message."""

    def __init__(self, directory: str | os.PathLike, sender: str):
        self.directory = Path(directory)
        self.sender = sender

    def send(self, message: Message) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            counted = count(message.text)
            now = timezone.now()
            name = f"{now:%Y%m%d-%H%M%S-%f}-{_slug(message.reference)}.txt"
            content = (
                f"To: {message.to}\nFrom: {self.sender}\nReference: {message.reference}\n"
                f"Date: {now.isoformat()}\nEncoding: {counted.encoding}\n"
                f"Segments: {counted.segments}\n\n{message.text}\n"
            )
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".part")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(content)
            os.replace(temporary, self.directory / name)
        except OSError as error:  # a full disk, a folder not writable: try again later
            raise TransientError(f"could not write the SMS file: {error}") from error


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:80]


class HttpGateway:
    """A provider's HTTP API: ``POST url`` with ``{"from", "to", "text",
    "reference"}`` as JSON; HTTP Basic authentication if a username is set,
    else ``Authorization: Bearer <token>`` if a token is."""

    def __init__(
        self, *, url: str, sender: str, username: str = "", token: str = "", timeout: float = 10.0
    ):
        if not url:
            raise ValueError("KURSLOTSE_SMS_HTTP_URL is not set")
        self.url = url
        self.sender = sender
        self.username = username
        self.token = token
        self.timeout = timeout

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.username:
            pair = f"{self.username}:{self.token}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        elif self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def send(self, message: Message) -> None:
        body = json.dumps(
            {"from": self.sender, "to": message.to, "text": message.text,
             "reference": message.reference}
        ).encode()  # fmt: skip
        request = urllib.request.Request(self.url, data=body, headers=self._headers())
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read(65536)
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode("utf-8", "replace")
            if error.code >= 500 or error.code in (408, 429):
                raise TransientError(f"SMS gateway answered {error.code}: {detail}") from error
            raise PermanentError(
                f"SMS gateway refused the message ({error.code}): {detail}"
            ) from error
        except TimeoutError as error:
            raise TransientError("SMS gateway did not answer in time", broken=True) from error
        except (urllib.error.URLError, OSError) as error:
            raise TransientError(f"SMS gateway unreachable: {error}", broken=True) from error


def gateway() -> Gateway:
    """The gateway the settings name (``KURSLOTSE_SMS_GATEWAY``), made afresh
    each time, so settings changed by a test or a restart apply at once."""
    name = settings.KURSLOTSE_SMS_GATEWAY
    if name == "file":
        return FileGateway(settings.KURSLOTSE_SMS_FILE_PATH, settings.KURSLOTSE_SMS_SENDER)
    if name == "http":
        return HttpGateway(
            url=settings.KURSLOTSE_SMS_HTTP_URL,
            sender=settings.KURSLOTSE_SMS_SENDER,
            username=settings.KURSLOTSE_SMS_HTTP_USERNAME,
            token=settings.KURSLOTSE_SMS_HTTP_TOKEN,
            timeout=settings.KURSLOTSE_SMS_TIMEOUT,
        )
    raise ValueError(f"KURSLOTSE_SMS_GATEWAY must be 'file' or 'http', not {name!r}")
