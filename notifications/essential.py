"""Which notifications go by email whatever channels the person chose.

Choosing no email notifications means "no news about my courses by email",
not "delete my account without telling me": a message about the account
itself, which the person cannot read without signing in (the inbox is in the
app), is sent to their address all the same. Their owners declare such kinds
when they register them (``registry.register_kind(..., essential=True)``,
``accounts/notifications.py``: the warning before an inactive account
is erased). People without an address hear of them from the
office if the kind also needs a call (``calls.py``).
"""

from . import registry


def is_essential(kind: str | None) -> bool:
    registered = registry.kind(kind)
    return registered is not None and registered.essential
