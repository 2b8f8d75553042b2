"""Writes for calendars: issuing, rotating and resolving feed tokens.

The token is ``HMAC-SHA256(key derived from SECRET_KEY, f"{user_id}:{nonce}")``
as unpadded URL-safe base64 (43 characters); the database keeps only
``sha256(token)``. Because the token is derived, ``feed_token`` can hand out
the same URL again and again; ``rotate_feed_token`` draws a new nonce, which
kills the old URL at once. Changing ``SECRET_KEY`` revokes every feed URL
(the next ``feed_token`` call re-derives and re-stores the hash).
"""

import base64
import hashlib
import hmac
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.crypto import salted_hmac

from .models import FeedToken

KEY_SALT = "kurslotse.calendars.feed-token"


def _derive(user_id: int, nonce: str) -> str:
    digest = salted_hmac(KEY_SALT, f"{user_id}:{nonce}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_nonce() -> str:
    return secrets.token_urlsafe(24)


@transaction.atomic
def feed_token(user) -> str:
    """The user's current feed token, issued on first use."""
    record = FeedToken.objects.select_for_update().filter(user=user).first()
    if record is None:
        nonce = _new_nonce()
        token = _derive(user.pk, nonce)
        FeedToken.objects.get_or_create(
            user=user, defaults={"nonce": nonce, "token_hash": _hash(token)}
        )
        # A concurrent first call may have won the race: answer with its token.
        record = FeedToken.objects.get(user=user)
    token = _derive(user.pk, record.nonce)
    if record.token_hash != _hash(token):  # SECRET_KEY changed since it was issued
        record.token_hash = _hash(token)
        record.save(update_fields=["token_hash"])
    return token


@transaction.atomic
def rotate_feed_token(user) -> str:
    """Issue a new token; the previous URL answers 404 from now on."""
    nonce = _new_nonce()
    token = _derive(user.pk, nonce)
    FeedToken.objects.update_or_create(
        user=user, defaults={"nonce": nonce, "token_hash": _hash(token)}
    )
    return token


def user_for_token(token: str):
    """The active user whose current feed token this is, else None.

    The lookup is by the token's hash (an index hit that reveals nothing about
    how close a guess was); the token is then re-derived and compared in
    constant time, so a stale hash (after a SECRET_KEY change) never matches.
    """
    if not token or len(token) > 128:
        return None
    # One plain statement: every polling calendar asks this before anything
    # else, and composing the queryset cost twice as much as running it.
    found = list(get_user_model().objects.raw(_USER_BY_TOKEN_HASH, [_hash(token)]))
    if not found or not found[0].is_active:
        return None
    user = found[0]
    nonce = user.feed_nonce  # type: ignore[attr-defined]  # the statement's extra column
    if not hmac.compare_digest(_derive(user.pk, nonce), token):
        return None
    return user


_USER_BY_TOKEN_HASH = (
    f"SELECT u.*, t.nonce AS feed_nonce FROM {FeedToken._meta.db_table} t "
    f"JOIN {FeedToken._meta.get_field('user').related_model._meta.db_table} u "
    "ON u.id = t.user_id WHERE t.token_hash = %s"
)


def erase_feed_token_of(person, by) -> dict[str, int]:
    """Erasure: the private calendar link stops working and its secret goes."""
    return {"feed_tokens": FeedToken.objects.filter(user=person).delete()[0]}
