"""Where each app says what it stores about a person: for the export (GDPR
Art. 15 and 20) and for erasure (Art. 17).

The accounts app knows no other app's tables. Each app registers one section
per kind of personal data it owns, from its ``AppConfig.ready`` (as apps
declare their notification kinds)::

    register_section(
        "bookings", _("Bookings and waiting lists"),
        export=export_bookings,        # person -> JSON-able data (dates as ISO text)
        erase=erase_bookings,          # (person, by) -> {"what": count, ...}
        erase_order=ERASE_FIRST,
    )

``accounts.services.export_person`` puts every section's export into one
document (in registration order); ``accounts.services.erase_person`` calls
every section's ``erase`` in one transaction, by ``erase_order`` — courses
go first (``ERASE_FIRST``) because they take the course capacity lock, which
comes before every other lock (ENGINEERING.md: one lock order). The user row
itself is deleted last, by ``erase_person``. Adding a section is one call.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Sections that take the course capacity lock erase before all others.
ERASE_FIRST = 10
ERASE_DEFAULT = 100
# What is left over once the others are done (the trail, the sign-in records).
ERASE_LAST = 1000

Exporter = Callable[[Any], Any]
Eraser = Callable[[Any, Any], dict[str, int]]


@dataclass(frozen=True)
class Section:
    name: str
    title: Any  # a lazy translation: the page's heading
    export: Exporter | None = None
    erase: Eraser | None = None
    erase_order: int = ERASE_DEFAULT
    # For the readable page: the exported data as a person reads it (e.g. a
    # notification's text instead of its payload); the JSON is kept as it is.
    readable: Callable[[Any], Any] | None = None


_SECTIONS: dict[str, Section] = {}


def register_section(
    name: str,
    title,
    *,
    export: Exporter | None = None,
    erase: Eraser | None = None,
    erase_order: int = ERASE_DEFAULT,
    readable: Callable[[Any], Any] | None = None,
) -> None:
    """Declare a section; registering a name again replaces it (module reloads)."""
    _SECTIONS[name] = Section(
        name=name, title=title, export=export, erase=erase, erase_order=erase_order,
        readable=readable,
    )  # fmt: skip


def section(name: str) -> Section | None:
    return _SECTIONS.get(name)


def exporters() -> list[Section]:
    """The sections that export, in the order they were registered (the export's order)."""
    return [s for s in _SECTIONS.values() if s.export]


def erasers() -> list[Section]:
    """The sections that erase, in the order they must run."""
    return sorted((s for s in _SECTIONS.values() if s.erase), key=lambda s: s.erase_order)
