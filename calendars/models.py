"""The secret behind each user's private calendar feed.

Only a SHA-256 hash of the feed token is stored (``token_hash``), so a copy of
the database does not open anyone's calendar. The token itself is derived
again when needed: HMAC-SHA256 keyed with the ``SECRET_KEY`` over
``"<user id>:<nonce>"`` (``services.feed_token``), which lets the API show
the same URL again without keeping it. Rotating means a new nonce.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.validators import validate_single_line


class FeedToken(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="feed_token",
        verbose_name=_("user"),
    )
    nonce = models.CharField(max_length=64, validators=[validate_single_line])
    token_hash = models.CharField(max_length=64, unique=True, validators=[validate_single_line])
    created_at = models.DateTimeField(_("issued"), auto_now=True)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self) -> str:
        return f"Calendar feed of user {self.user_id}"
