from django.contrib import admin

from .models import Booking, Course, CourseSession, Provider


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "email", "phone"]
    list_filter = ["kind"]
    search_fields = ["name"]


class SessionInline(admin.TabularInline):
    model = CourseSession
    extra = 0
    fields = ["original_date", "date", "start_time", "end_time", "status", "note"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "level", "format", "municipality", "starts_on", "seats",
                    "childcare_places", "status"]  # fmt: skip
    list_filter = ["status", "level", "format", "municipality__region"]
    list_select_related = ["municipality"]
    search_fields = ["title", "municipality__name", "provider__name"]
    autocomplete_fields = ["municipality", "venue", "provider"]
    inlines = [SessionInline]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["course", "learner", "status", "childcare_places", "created_at",
                    "offer_expires_at"]  # fmt: skip
    list_filter = ["status", "course__level", "course__municipality__region"]
    list_select_related = ["course", "learner"]
    search_fields = ["learner__email", "course__title"]
    raw_id_fields = ["course", "learner", "booked_by", "cancelled_by"]
