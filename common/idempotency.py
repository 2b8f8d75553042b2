"""``Idempotency-Key`` support for POSTs that create something.

A client that lost the answer to a booking request (a train tunnel, a cheap
phone) sends it again with the same key and gets the first answer back, never
a second booking. The record is inserted *before* the work, inside the same
transaction: a simultaneous duplicate waits on the unique index until the
first commits and then replays its answer.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response

from .errors import DomainError
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status_code = 422


class InvalidIdempotencyKey(DomainError):
    code = "invalid_idempotency_key"


def _fingerprint(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _replay(record: IdempotencyRecord, scope: str, fingerprint: str) -> Response:
    if record.scope != scope or record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was already used for a different request.")
        )
    return Response(
        record.response_body, status=record.status_code, headers={"Idempotent-Replayed": "true"}
    )


def run_idempotent(request, scope: str, produce: Callable[[], Response]) -> Response:
    """Run ``produce`` once per (user, Idempotency-Key); replay its answer after."""
    key = request.headers.get(HEADER)
    if key is None:
        return produce()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidIdempotencyKey(
            _("The Idempotency-Key header must be 1 to 255 characters long.")
        )
    fingerprint = _fingerprint(request.data)
    existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
    if existing is not None:
        return _replay(existing, scope, fingerprint)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=request.user, key=key, scope=scope, fingerprint=fingerprint
            )
            response = produce()
            record.status_code = response.status_code
            record.response_body = response.data
            record.save(update_fields=["status_code", "response_body"])
            return response
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
        if existing is None or existing.status_code is None:
            raise
        return _replay(existing, scope, fingerprint)
