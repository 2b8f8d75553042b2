"""How a channel says a delivery failed (``channels.py``, ``sms/gateways.py``):
for now (try again later) or for good. The outbox sorts rows by them
(``services._send_one``)."""


class TransientError(Exception):
    """Delivery failed for now; try again later."""

    def __init__(self, message: str, *, broken: bool = False):
        super().__init__(message)
        self.broken = broken  # the connection failed, not only this message


class PermanentError(Exception):
    """Delivery can never succeed (e.g. the address is refused)."""
