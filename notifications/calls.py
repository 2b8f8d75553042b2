"""Which notifications the office must pass on by phone.

People registered by phone have no email address, and the inbox is an app
they cannot sign in to. Until a phone channel (SMS) exists, a notification
for such a person that needs them to act or to know (a place offered, a
booking or a date cancelled, a date moved, taken off a waiting list …) is
also written to the coordination office's call list (the ``office_call``
channel, ``/manage/calls/``): whom to call, their phone and language, and
what to tell them, until someone marks the call done.

The outbox knows no domain: the apps that own the kinds declare which of them
need a call, from their ``AppConfig.ready`` (``courses/apps.py``,
``coaching/apps.py``). A kind nobody declared (a reminder, a confirmation
given on the phone anyway) reaches people without email in the inbox only.
"""

_CALL_KINDS: set[str] = set()


def needs_a_call(*kinds: str) -> None:
    """Declare kinds that people without email must hear of by phone."""
    _CALL_KINDS.update(str(kind) for kind in kinds)


def call_kinds() -> frozenset[str]:
    return frozenset(_CALL_KINDS)


def needs_call(kind: str | None) -> bool:
    return kind is not None and str(kind) in _CALL_KINDS
