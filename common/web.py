"""Two things every web page needs: a service's refusal shown on its form,
and a ``next`` address that can only lead back into this site."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.http import url_has_allowed_host_and_scheme

if TYPE_CHECKING:
    from .errors import DomainError


def show_domain_error(form, error: DomainError, rename: dict | None = None) -> None:
    """Put a service's refusal on the form: on the fields it names (``rename``
    maps a service field to the form's, where they differ), else on top."""
    rename = rename or {}
    placed = False
    for name, texts in (error.fields or {}).items():
        field = rename.get(name, name)
        if field in form.fields:
            for text in texts if isinstance(texts, list | tuple) else [texts]:
                form.add_error(field, str(text))
            placed = True
    if not placed:
        form.add_error(None, str(error.message))


def safe_next(request, default: str, candidate: str | None = None) -> str:
    """``candidate`` (by default the ``next`` the request sent) if it stays on
    this site; otherwise ``default``."""
    if candidate is None:
        candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
