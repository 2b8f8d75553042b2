"""Municipalities and venues in the admin.

A venue's name or address is in the calendars of every course that meets
there: changes go through ``courses.services.update_venue``, which sends the
participants of those courses an updated invitation.
"""

from django import forms
from django.contrib import admin

from backend.admin import CoordinatorAdmin
from common.translated import SOURCE_LANGUAGE, TARGET_LANGUAGES, column, stored

from .models import Municipality, Venue

TRANSLATED_VENUE_FIELDS = ("accessibility_notes", "getting_there")


class VenueAdminForm(forms.ModelForm):
    """The plain texts are shown as stored in German (the source), whatever
    language the coordinator reads the admin in."""

    class Meta:
        model = Venue
        # The plain texts are German; their German columns are no second field.
        fields = [
            "name", "street", "postal_code", "municipality", "latitude", "longitude",
            *TRANSLATED_VENUE_FIELDS,
            *(column(f, lang) for lang in TARGET_LANGUAGES for f in TRANSLATED_VENUE_FIELDS),
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for field in TRANSLATED_VENUE_FIELDS:
                self.initial[field] = stored(self.instance, field, SOURCE_LANGUAGE)


@admin.register(Municipality)
class MunicipalityAdmin(CoordinatorAdmin):
    """The district's municipalities are shipped as data (places/data, loaded by a
    migration) so every installation agrees: coordinators may correct one, but
    not add or delete them here."""

    list_display = ["name", "region", "postal_code", "latitude", "longitude"]
    list_filter = ["region"]
    search_fields = ["name", "postal_code"]
    readonly_fields = ["slug"]

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Venue)
class VenueAdmin(CoordinatorAdmin):
    list_display = ["name", "street", "postal_code", "municipality"]
    list_filter = ["municipality__region"]
    list_select_related = ["municipality"]
    search_fields = ["name", "street", "municipality__name"]
    autocomplete_fields = ["municipality"]
    readonly_fields = ["updated_at"]
    form = VenueAdminForm

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        from courses.services import update_venue

        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        update_venue(venue=obj, by=request.user, **changes)
