"""Recording reads of other people's personal data in the API (the access trail).

Views and pages call ``accounts.services.log_reads`` (one INSERT per request)
with the records they show; this mixin does it for a DRF viewset's ``list``
and ``retrieve``, so a viewset that shows people's records declares only
``access_what`` and whose record each object is.
"""

from operator import attrgetter
from typing import Any

from rest_framework.response import Response

from .services import log_reads


class LogsListReads:
    """Mix into a viewset whose list and retrieve show other people's data.

    ``access_what`` is an ``accounts.constants.AccessWhat``; ``access_subject``
    names the attribute (dotted: ``request.learner_id``) holding the id of the person whose record an object is
    (the learner of a booking or request by default), ``access_object`` the id
    of the record read (the object's own by default). Rows about the reader
    themself are left out by ``log_reads``.
    """

    request: Any  # set by DRF's view
    access_what: str = ""
    access_subject = "learner_id"
    access_object = "pk"

    def access_reads(self, objects) -> list[tuple]:
        subject_of, object_of = attrgetter(self.access_subject), attrgetter(self.access_object)
        return [(subject_of(obj), object_of(obj)) for obj in objects]

    def record_reads(self, objects) -> None:
        log_reads(actor=self.request.user, what=self.access_what, reads=self.access_reads(objects))

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        objects = list(page if page is not None else queryset)
        self.record_reads(objects)
        data = self.get_serializer(objects, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class LogsReads(LogsListReads):
    """``LogsListReads`` for a viewset with a detail route too (defining
    ``retrieve`` makes the router add one, so list-only viewsets use the base)."""

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        self.record_reads([instance])
        return Response(self.get_serializer(instance).data)
