from django.contrib import admin

from .models import Municipality, Venue


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "postal_code", "latitude", "longitude"]
    list_filter = ["region"]
    search_fields = ["name", "postal_code"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "street", "municipality"]
    list_filter = ["municipality__region"]
    list_select_related = ["municipality"]
    search_fields = ["name", "street", "municipality__name"]
