"""Some web mail clients keep only what is inside <body>: the HTML email says
its language and direction on an element inside the body as well (issue 13)."""

from html.parser import HTMLParser

import pytest

from courses import services as course_services
from notifications.channels import EmailChannel
from notifications.models import Notification

from ..factories import CourseFactory

pytestmark = pytest.mark.django_db


class BodyWrappers(HTMLParser):
    """The attributes of the elements directly inside <body>."""

    def __init__(self):
        super().__init__()
        self.depth = None
        self.children: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.depth = 0
            return
        if self.depth == 0:
            self.children.append((tag, dict(attrs)))
        if self.depth is not None and tag not in ("br", "meta"):
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth is not None and tag not in ("br", "body"):
            self.depth -= 1


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("fa", "rtl"), ("de", "ltr")])
def test_the_html_email_carries_language_and_direction_inside_the_body(
    learner, language, direction
):
    learner.preferred_language = language
    learner.save()
    course_services.book_course(course=CourseFactory(), learner=learner, children_ages=[])
    row = Notification.objects.filter(channel="email").get()
    message = EmailChannel().build(row)
    html = next(body for body, kind in message.alternatives if kind == "text/html")
    parser = BodyWrappers()
    parser.feed(html)
    (wrapper,) = parser.children  # one element holds the whole message
    tag, attributes = wrapper
    assert tag == "div"
    assert (attributes["dir"], attributes["lang"]) == (direction, language)
    assert f'<div dir="{direction}" lang="{language}"' in html
