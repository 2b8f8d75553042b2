"""Which notifications go by email whatever channels the person chose.

Choosing no email notifications means "no news about my courses by email",
not "delete my account without telling me": a message about the account
itself, which the person cannot read without signing in (the inbox is in the
app), is sent to their address all the same. Their owners declare such kinds
from their ``AppConfig.ready`` (``accounts/apps.py``: the warning before an
inactive account is erased). People without an address hear of them from the
office if the kind also needs a call (``calls.py``).
"""

_ESSENTIAL_KINDS: set[str] = set()


def always_by_email(*kinds: str) -> None:
    """Declare kinds that reach everyone with an address by email."""
    _ESSENTIAL_KINDS.update(str(kind) for kind in kinds)


def is_essential(kind: str | None) -> bool:
    return kind is not None and str(kind) in _ESSENTIAL_KINDS
