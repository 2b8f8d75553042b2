"""The outbox: every notification is a row written in the same transaction as
the change that causes it, so none is lost and none is created twice."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.validators import validate_single_line

from . import registry
from .constants import Channel, Status


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    # The kinds the apps registered (registry.py): a callable, so a new kind
    # needs no migration of the outbox.
    kind = models.CharField(_("kind"), max_length=40, choices=registry.kind_choices)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.INBOX
    )
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next delivery try is due."
    )
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When a delivery task was last handed to the broker."
    )
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    idempotency_key = models.CharField(
        max_length=200, unique=True, validators=[validate_single_line]
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Rows on the office's call list (channel office_call): who made the call, when.
    done_at = models.DateTimeField(_("called at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("called by"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["channel", "done_at"], name="notification_call_list"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"
