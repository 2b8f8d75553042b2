"""What a notification says as a text message.

The kind's own words (``texts.render``, the subject and lines its app
registered), in the recipient's language, made short: the subject, then as
each of its lines, in order, that still fits, then a link to the page where the
person reads more or acts (the kind's registered ``link``, e.g. the course
page with the button to accept an offered place; the inbox for a kind
without one). Typographic characters that GSM-7 lacks (no-break spaces,
dashes, curly quotes, "…") are written as their plain forms, so a German or
English text stays in GSM-7 and does not double its price as UCS-2.

Each kind has a limit of SMS segments (``register_kind(...,
sms_segments=…)``, default ``DEFAULT_SMS_SEGMENTS``). A text over it is
shortened, the same way every time: a line that no longer fits is left out
(a shorter one after it may still fit: a course message's typed words after
its long introduction), and if the subject and the link
alone are too long, the subject is cut at a word and ends in "...". The link
is never cut. ``tests/notifications/test_sms.py`` renders every registered
kind in Arabic, Ukrainian and German and checks the limit.
"""

import json

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from common.kept import KeptPerProcess

from .. import registry
from ..texts import render
from .segments import segments

_PLAIN = str.maketrans(
    {
        "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"',
        "\u201e": '"', "\u00ab": '"', "\u00bb": '"', "\u2026": "...",
        "\u200e": None, "\u200f": None,
    }
)  # fmt: skip
ELLIPSIS = "..."


def plain(text: str) -> str:
    return " ".join(str(text).translate(_PLAIN).split())


def link_of(kind: str, payload: dict) -> str:
    """The absolute address of the page the text points to."""
    registered = registry.kind(kind)
    path = ""
    if registered is not None and registered.link is not None:
        path = registered.link(payload, False)
    path = path or reverse("notifications:inbox")
    return settings.KURSLOTSE_PUBLIC_URL.rstrip("/") + path


def limit_of(kind: str) -> int:
    registered = registry.kind(kind)
    return registered.sms_segments if registered is not None else registry.DEFAULT_SMS_SEGMENTS


def _join(subject: str, lines: list[str], link: str) -> str:
    middle = " ".join(lines)
    return "\n".join(part for part in (subject, middle, link) if part)


def _shortened(subject: str, link: str, limit: int) -> str:
    """The subject cut at a word (or, for one long word, a character) so that
    it, "..." and the link fit in ``limit`` segments."""
    words = subject.split(" ")
    while len(words) > 1:
        words.pop()
        candidate = " ".join(words).rstrip(" ,.:;-") + ELLIPSIS
        if segments(_join(candidate, [], link)) <= limit:
            return candidate
    word = words[0] if words else ""
    while word:
        word = word[:-1]
        if segments(_join(word + ELLIPSIS, [], link)) <= limit:
            return word + ELLIPSIS
    return ""


def compose_text(subject: str, lines: list[str] | tuple[str, ...], link: str, limit: int) -> str:
    """Subject, the lines that fit in order, and the link, within ``limit`` segments."""
    subject, link = plain(subject), plain(link)
    chosen: list[str] = []
    for line in (plain(each) for each in lines):
        if not line:
            continue
        if segments(_join(subject, [*chosen, line], link)) <= limit:
            chosen.append(line)  # a line that does not fit is left out, the next may fit
    if segments(_join(subject, chosen, link)) > limit:
        subject = _shortened(subject, link, limit)
    return _join(subject, chosen, link)


# Texts per kind, payload and language: a reminder for a whole course is worded once.
_KEPT: KeptPerProcess[tuple, str] = KeptPerProcess(256)


def compose(kind: str, payload: dict, language: str) -> str:
    """The SMS of a notification for a reader of ``language``."""
    key = (
        kind,
        json.dumps(payload, sort_keys=True, default=str),
        language,
        timezone.get_current_timezone_name(),
        settings.KURSLOTSE_PUBLIC_URL,
    )
    kept = _KEPT.get(key)
    if kept is not None:
        return kept
    text = render(kind, payload, language)
    words = compose_text(text.subject, text.lines, link_of(kind, payload), limit_of(kind))
    _KEPT.keep(key, words)
    return words
