"""The email channel makes the words and MIME parts of a message once for
everyone who reads the same words (channels._words, _SharedPartsEmail):
what goes out is still what Django makes of the message, byte for byte but
for its boundary, and still in each reader's language."""

import re

import pytest
from django.core.mail import EmailMultiAlternatives

from notifications import services
from notifications.channels import EmailChannel
from notifications.models import Notification

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "title": "Deutsch A1: Abendkurs für Berufstätige",
    "date": "2032-04-12",
    "time": "18:00-20:00",
    "place": "Rathaus, Marktplatz 1, Bad Rappenau " + "sehr lange Adresse " * 60,  # qp lines
}


def reminder_for(person) -> Notification:
    services.notify(recipient=person, kind="session_reminder", key="s", payload=PAYLOAD)
    return Notification.objects.get(recipient=person, channel="email")


def as_django_makes_it(message: EmailMultiAlternatives) -> EmailMultiAlternatives:
    again = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        to=message.to,
        headers=message.extra_headers,
        alternatives=message.alternatives,
    )
    return again


def without_boundary(flat):
    if isinstance(flat, bytes):
        return re.sub(rb"={15}[0-9]+==", b"BOUNDARY", flat)
    return re.sub("={15}[0-9]+==", "BOUNDARY", flat)


@pytest.mark.parametrize("language", ["de", "ar"])
def test_a_message_without_attachment_is_what_django_makes_of_it(language):
    row = reminder_for(UserFactory(roles=["learner"], preferred_language=language))
    message = EmailChannel().build(row)
    message.extra_headers.update({"Date": "Mon, 12 Apr 2032 10:00:00 +0200", "Message-ID": "<m@k>"})
    ours, django = message.message(), as_django_makes_it(message).message()
    for linesep in ("\r\n", "\n"):
        assert without_boundary(ours.as_bytes(linesep=linesep)) == without_boundary(
            django.as_bytes(linesep=linesep)
        )
    assert without_boundary(ours.as_string()) == without_boundary(django.as_string())
    assert "Content-Transfer-Encoding: quoted-printable" in ours.as_string()  # the long line


def test_people_of_different_languages_get_their_own_words_from_the_same_payload():
    german, arabic, again = (
        UserFactory(roles=["learner"], preferred_language=language)
        for language in ("de", "ar", "de")
    )
    messages = [EmailChannel().build(reminder_for(person)) for person in (german, arabic, again)]
    htmls = [message.alternatives[0].content for message in messages]
    assert messages[0].subject == messages[2].subject == "Morgen: " + PAYLOAD["title"]
    assert messages[1].subject != messages[0].subject
    assert 'dir="rtl"' in htmls[1] and 'dir="ltr"' in htmls[0]
    assert [message.to for message in messages] == [[p.email] for p in (german, arabic, again)]
    keys = [message.message()["X-Kurslotse-Notification"] for message in messages]
    assert len(set(keys)) == 3
