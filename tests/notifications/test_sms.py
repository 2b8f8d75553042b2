"""Text messages: how many SMS a text takes, every kind's text within its
limit in every language, the file gateway, and the HTTP gateway against a
local fake provider (never a real one), with the outbox's retries."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

from accounts.services import register_participant_by_phone
from notifications import registry, services
from notifications.constants import MAX_ATTEMPTS, Channel, Status
from notifications.errors import PermanentError, TransientError
from notifications.models import Notification
from notifications.sms import segments
from notifications.sms.gateways import FileGateway, HttpGateway, Message
from notifications.sms.words import compose, compose_text, limit_of, link_of

from ..mailcatcher import free_port

pytestmark = pytest.mark.django_db


# --- Segments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "units", "parts"),
    [
        ("", segments.GSM7, 0, 0),
        ("a" * 160, segments.GSM7, 160, 1),
        ("a" * 161, segments.GSM7, 161, 2),
        ("a" * 306, segments.GSM7, 306, 2),  # 2 x 153
        ("a" * 307, segments.GSM7, 307, 3),
        # German umlauts and ß are in the basic table: one septet each.
        ("Grüße aus Öhringen, Übung für Straße " * 4, segments.GSM7, 148, 1),
        # The extension table: an escape and the character, two septets.
        ("€" * 80, segments.GSM7, 160, 1),
        ("€" * 81, segments.GSM7, 162, 2),
        ("[]{}|~^\\", segments.GSM7, 16, 1),
        # One character outside GSM-7 makes the whole text UCS-2.
        ("a" * 69 + "ş", segments.UCS2, 70, 1),
        ("a" * 70 + "ç", segments.UCS2, 71, 2),
        ("\u0627" * 70, segments.UCS2, 70, 1),  # Arabic
        ("\u0627" * 71, segments.UCS2, 71, 2),
        ("ї" * 134, segments.UCS2, 134, 2),  # Ukrainian: 2 x 67
        ("ї" * 135, segments.UCS2, 135, 3),
        ("привет " * 10, segments.UCS2, 70, 1),  # Russian
        ("سل\u0627م " * 14, segments.UCS2, 70, 1),  # Farsi
        ("😀" * 35, segments.UCS2, 70, 1),  # two UTF-16 units each
        ("😀" * 36, segments.UCS2, 72, 2),
    ],
)
def test_a_text_is_counted_in_the_encoding_and_segments_a_phone_sends_it_in(
    text, encoding, units, parts
):
    counted = segments.count(text)
    assert (counted.encoding, counted.units, counted.segments) == (encoding, units, parts)


def test_accented_letters_outside_the_basic_table_turn_a_german_text_to_ucs2():
    assert segments.is_gsm7("äöüÄÖÜß éèàÉñ")
    for letter in "âêáçğş":
        assert not segments.is_gsm7(f"Café {letter}")


def test_a_part_never_splits_an_escaped_character_or_a_surrogate_pair():
    # 152 plain septets then "€" (2): 154 > 153, so "€" starts the second part.
    assert segments.count("a" * 152 + "€" + "a" * 152).segments == 3
    assert segments.count("a" * 66 + "😀" + "a" * 66 + "ş").segments == 3


# --- Every kind's text, within its limit, in every language ----------------------------------

LONG_TITLE = "Deutsch für den Alltag mit Kinderbetreuung \u2013 Aufbaukurs B1 am Abend"
PAYLOAD = {
    "course": 12345,
    "session": 678,
    "title": LONG_TITLE,
    "date": "2032-09-13",
    "old_date": "2032-09-06",
    "time": "18:00-20:00",
    "old_time": "17:30-19:30",
    "place": "Volkshochschule Eppingen, Kaiserstraße 23, Eppingen",
    "until": "2032-09-15T18:00:00+02:00",
    "position": 12,
    "reason": "Die Lehrerin ist krank, der Kurs wird nachgeholt",
    "changed": ["title", "place", "times", "weekdays", "dates"],
    "started": True,
    "childcare_full": True,
    "sender": "Fatma Y\u0131lmaz-Schneider",
    "sent_as": "teacher",
    "booking_status": "confirmed",
    "subject": "Raumänderung ab nächster Woche",
    "body": "Liebe Teilnehmende, ab Montag treffen wir uns im Raum 204 im zweiten Stock. "
    "Bitte bringen Sie Ihre Bücher mit. Vielen Dank und bis bald!",
    "erase_on": "2032-10-01",
    "since": "2030-09-01",
    "by_phone": True,
}


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_kind_s_text_message_fits_its_limit_and_keeps_its_link(language, settings):
    settings.KURSLOTSE_PUBLIC_URL = "https://kurslotse.landkreis-heilbronn.de"
    kinds = registry.kinds()
    assert len(kinds) >= 20  # courses, coaching and accounts registered theirs
    for kind in kinds:
        text = compose(kind.name, PAYLOAD, language)
        link = link_of(kind.name, PAYLOAD)
        assert segments.segments(text) <= limit_of(kind.name), (kind.name, language, text)
        assert text.endswith("\n" + link), (kind.name, text)
        assert len(text) > len(link) + 10, (kind.name, language, text)  # there is a subject


def test_an_offer_carries_its_deadline_and_the_course_page_in_arabic_and_ukrainian(settings):
    settings.KURSLOTSE_PUBLIC_URL = "https://kurslotse.example"
    payload = {"course": 7, "title": "Deutsch A1", "until": "2032-09-15T18:00:00+02:00"}
    for language, year in (("ar", "2032"), ("uk", "2032"), ("de", "2032")):
        text = compose("offer_made", payload, language)
        assert year in text and "18:00" in text, text  # the deadline
        assert text.endswith("https://kurslotse.example/courses/7/")
        assert segments.segments(text) <= 4


def test_a_german_text_stays_gsm7_despite_typographic_dashes_and_quotes():
    text = compose_text(
        "„Kurs“ \u2013 neu…", ["18:00\u202f\u2013\u202f20:00"], "https://x.de/a/", 3
    )
    assert text == '"Kurs" - neu...\n18:00 - 20:00\nhttps://x.de/a/'
    assert segments.count(text).encoding == segments.GSM7


def test_a_text_over_its_limit_is_shortened_the_same_way_every_time():
    link = "https://kurslotse.example/courses/1/"
    lines = ["Erste Zeile passt.", "Zweite Zeile " + "sehr lang " * 40, "Dritte Zeile."]
    text = compose_text("Betreff", lines, link, 1)
    # The second line does not fit: it is left out, the third still fits.
    assert text == f"Betreff\nErste Zeile passt. Dritte Zeile.\n{link}"
    assert compose_text("Betreff", lines, link, 1) == text
    long_subject = "Wort " * 60
    cut = compose_text(long_subject, lines, link, 1)
    assert segments.segments(cut) == 1
    assert cut.endswith(f"...\n{link}") and cut.startswith("Wort Wort")


# --- The file gateway --------------------------------------------------------------------------


def test_the_file_gateway_writes_one_readable_file_per_message(tmp_path):
    gateway = FileGateway(tmp_path / "sms", "Kurslotse")
    gateway.send(Message(to="+4915123456789", text="Hallo €", reference="offer_made:1:2:sms"))
    gateway.send(Message(to="+4915123456789", text="مرحب\u0627", reference="offer_made:1:3:sms"))
    files = sorted((tmp_path / "sms").glob("*.txt"))
    assert len(files) == 2
    first = files[0].read_text(encoding="utf-8")
    head, body = first.split("\n\n", 1)
    assert "To: +4915123456789" in head and "From: Kurslotse" in head
    assert "Encoding: GSM-7" in head and "Segments: 1" in head
    assert body == "Hallo €\n"
    assert "Encoding: UCS-2" in files[1].read_text(encoding="utf-8")
    assert not list((tmp_path / "sms").glob("*.part"))


def test_a_folder_that_cannot_be_written_is_a_failure_for_now(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(TransientError):
        FileGateway(blocker / "sms", "K").send(
            Message(to="+4915123456789", text="x", reference="r")
        )


def sms_person(full_name="Olena Koval"):
    """Registered by phone with a mobile number: text messages, consented on the call."""
    return register_participant_by_phone(
        full_name=full_name, phone="0151 23456789", preferred_language="uk"
    )


def test_the_outbox_sends_a_text_message_to_a_person_who_chose_sms(settings, tmp_path):
    settings.KURSLOTSE_SMS_FILE_PATH = str(tmp_path)
    person = sms_person()
    rows = services.notify(recipient=person, kind="offer_made", key="k",
                           payload={"course": 3, "title": "Deutsch A1",
                                    "until": "2032-09-15T18:00:00+02:00"})  # fmt: skip
    assert {row.channel for row in rows} == {Channel.INBOX, Channel.SMS}
    row = next(row for row in rows if row.channel == Channel.SMS)
    assert services.deliver(row.pk) == "sent"
    (file,) = tmp_path.glob("*.txt")
    text = file.read_text(encoding="utf-8")
    assert "To: +4915123456789" in text and "/courses/3/" in text
    assert "Deutsch A1" in text and "Encoding: UCS-2" in text  # Ukrainian


def test_a_text_message_to_someone_whose_number_is_gone_fails_for_good(settings, tmp_path):
    settings.KURSLOTSE_SMS_FILE_PATH = str(tmp_path)
    person = sms_person()
    rows = services.notify(recipient=person, kind="offer_made", key="k", payload={"title": "A"})
    type(person).objects.filter(pk=person.pk).update(phone="")
    row = next(row for row in rows if row.channel == Channel.SMS)
    assert services.deliver(row.pk) == "failed"
    assert not list(tmp_path.glob("*.txt"))


# --- The HTTP gateway, against a local fake provider -------------------------------------------


class FakeProvider:
    """A provider's HTTP API on a free local port: answers each POST with the
    next of ``answers`` (a status, or "hang" to say nothing for a while) and
    keeps what it was sent."""

    def __init__(self):
        self.answers: list = []
        self.received: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                provider.received.append({"body": body, "auth": self.headers.get("Authorization")})
                answer = provider.answers.pop(0) if provider.answers else 200
                if answer == "hang":
                    time.sleep(1.5)
                    answer = 200
                payload = json.dumps({"id": len(provider.received)}).encode()
                self.send_response(answer)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider(settings):
    fake = FakeProvider()
    settings.KURSLOTSE_SMS_GATEWAY = "http"
    settings.KURSLOTSE_SMS_HTTP_URL = fake.url
    settings.KURSLOTSE_SMS_HTTP_USERNAME = "kurslotse"
    settings.KURSLOTSE_SMS_HTTP_TOKEN = "s3cret"
    settings.KURSLOTSE_SMS_SENDER = "LRA HN"
    settings.KURSLOTSE_SMS_TIMEOUT = 0.5
    yield fake
    fake.close()


def test_the_http_gateway_posts_the_message_with_credentials_and_sender(provider):
    gateway = HttpGateway(url=provider.url, sender="LRA HN", username="u", token="t", timeout=2)
    gateway.send(Message(to="+4915123456789", text="Hallo", reference="ref-1"))
    (request,) = provider.received
    assert request["body"] == {"from": "LRA HN", "to": "+4915123456789", "text": "Hallo",
                               "reference": "ref-1"}  # fmt: skip
    assert request["auth"] == "Basic dTp0"  # base64("u:t")
    HttpGateway(url=provider.url, sender="S", token="tok").send(Message("+49151", "x", "r"))
    assert provider.received[1]["auth"] == "Bearer tok"


@pytest.mark.parametrize(
    ("answer", "error", "broken"),
    [(500, TransientError, False), (503, TransientError, False), (429, TransientError, False),
     (400, PermanentError, None), (422, PermanentError, None), ("hang", TransientError, True)],
)  # fmt: skip
def test_the_http_gateway_sorts_the_provider_s_answers(provider, answer, error, broken):
    provider.answers = [answer]
    gateway = HttpGateway(url=provider.url, sender="S", timeout=0.5)
    with pytest.raises(error) as raised:
        gateway.send(Message(to="+4915123456789", text="x", reference="r"))
    if broken is not None:
        assert raised.value.broken is broken


def test_a_provider_that_is_not_there_is_a_broken_connection():

    gateway = HttpGateway(url=f"http://127.0.0.1:{free_port()}/", sender="S", timeout=0.5)
    with pytest.raises(TransientError) as raised:
        gateway.send(Message(to="+4915123456789", text="x", reference="r"))
    assert raised.value.broken


def _sms_row(person):
    rows = services.notify(recipient=person, kind="offer_made", key="k",
                           payload={"course": 3, "title": "Deutsch A1",
                                    "until": "2032-09-15T18:00:00+02:00"})  # fmt: skip
    return next(row for row in rows if row.channel == Channel.SMS)


def _due_now(row):
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=None)


def test_the_outbox_retries_a_provider_error_and_a_timeout_then_sends(provider):
    person = sms_person()
    row = _sms_row(person)
    provider.answers = [500, "hang"]
    assert services.deliver(row.pk) == "retry"
    _due_now(row)
    assert services.deliver(row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == Status.QUEUED and "in time" in row.last_error
    _due_now(row)
    assert services.deliver(row.pk) == "sent"
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 3)
    sent = provider.received[-1]["body"]
    assert sent["to"] == "+4915123456789" and sent["reference"] == row.idempotency_key
    assert "/courses/3/" in sent["text"]


def test_the_outbox_fails_a_refused_message_at_once_and_a_lasting_outage_in_the_end(provider):
    person = sms_person()
    refused = _sms_row(person)
    provider.answers = [400]
    assert services.deliver(refused.pk) == "failed"
    refused.refresh_from_db()
    assert refused.status == Status.FAILED and "400" in refused.last_error

    other = sms_person(full_name="B")
    row = services.notify(recipient=other, kind="offer_made", key="k2", payload={"title": "A"})
    row = next(each for each in row if each.channel == Channel.SMS)
    provider.answers = [500] * MAX_ATTEMPTS
    results = []
    for _ in range(MAX_ATTEMPTS):
        _due_now(row)
        results.append(services.deliver(row.pk))
    assert results == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    # Retried like email: "send again" from the dashboard puts it back in the queue.
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert services.retry(row, by=None).status == Status.QUEUED


def test_the_gateway_is_chosen_by_the_settings(settings, tmp_path):
    from notifications.sms.gateways import gateway

    settings.KURSLOTSE_SMS_GATEWAY = "file"
    settings.KURSLOTSE_SMS_FILE_PATH = str(tmp_path)
    assert isinstance(gateway(), FileGateway) and gateway().directory == Path(tmp_path)
    settings.KURSLOTSE_SMS_GATEWAY = "http"
    settings.KURSLOTSE_SMS_HTTP_URL = "http://127.0.0.1:9/"
    assert isinstance(gateway(), HttpGateway)
    settings.KURSLOTSE_SMS_GATEWAY = "pigeon"
    with pytest.raises(ValueError):
        gateway()


def test_a_gateway_the_settings_do_not_make_keeps_the_message_waiting(settings):
    settings.KURSLOTSE_SMS_GATEWAY = "http"
    settings.KURSLOTSE_SMS_HTTP_URL = ""  # forgotten
    row = _sms_row(sms_person())
    assert services.deliver(row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == Status.QUEUED and "KURSLOTSE_SMS_HTTP_URL" in row.last_error
