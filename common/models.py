"""Records that make retried API requests safe."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.validators import validate_single_line


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an ``Idempotency-Key`` header.

    Written in the same transaction as the change the request makes, so a
    record exists exactly when the change does; a retry with the same key
    gets this answer back instead of making the change twice.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255, validators=[validate_single_line])
    scope = models.CharField(
        max_length=200,
        help_text="Which operation the key was used for.",
        validators=[validate_single_line],
    )
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of the request body.", validators=[validate_single_line]
    )
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_record_per_user_and_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class RetentionRun(models.Model):
    """One run of the retention rules (``common.retention``): when, what each
    rule removed (``removed``: rule key → count) and which rules failed
    (``errors``: rule key → the error, also logged with its context)."""

    started_at = models.DateTimeField(_("started"), db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    removed = models.JSONField(_("removed"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        return f"Retention run {self.pk} ({self.started_at:%Y-%m-%d %H:%M})"

    @property
    def total_removed(self) -> int:
        return sum(self.removed.values())
