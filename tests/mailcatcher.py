"""A real SMTP server for tests (aiosmtpd on a free local port), and the fixture
that points Django's SMTP backend at it. Used by the delivery tests, the real
worker tests and the browser tests (sign-up verification mail)."""

import socket

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Catcher:
    """Keeps what it receives, or refuses every recipient."""

    def __init__(self, refuse: bool = False):
        self.messages: list = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    """``start(refuse=False)`` starts a catcher and sends all mail of the test to it."""

    def start(refuse=False):
        handler = Catcher(refuse=refuse)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = False
        return handler

    started: list = []
    yield start
    for controller in started:
        controller.stop()
