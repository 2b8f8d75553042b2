"""Which notifications the office must pass on by phone.

People registered by phone have no email address, and may never sign in to
the app's inbox. Those with a mobile number who agreed get text messages
(the ``sms`` channel, which replaces the call: ``services.channels_of``).
For the others (a landline, or no consent to SMS), a notification that needs
them to act or to know (a place offered, a booking or a date cancelled, a
date moved, taken off a waiting list …) is also written to the coordination
office's call list (the ``office_call``
channel, ``/manage/calls/``): whom to call, their phone and language, and
what to tell them, until someone marks the call done.

The outbox knows no domain: the apps that own the kinds declare which of them
need a call when they register them (``registry.register_kind(...,
needs_call=True)``, from ``courses/notifications.py``,
``coaching/notifications.py``, ``accounts/notifications.py``). A kind nobody
declared (a reminder, a confirmation given on the phone anyway) reaches
people without email in the inbox only.
"""

from . import registry


def call_kinds() -> frozenset[str]:
    return frozenset(kind.name for kind in registry.kinds() if kind.needs_call)


def needs_call(kind: str | None) -> bool:
    registered = registry.kind(kind)
    return registered is not None and registered.needs_call
