from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Factory, Organisation


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name_en", "name_zh", "br_number", "email", "phone"]
    search_fields = ["name_en", "name_zh", "br_number"]
    filter_horizontal = ["users"]


@admin.register(Factory)
class FactoryAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_zh", "region"]
    list_filter = ["region"]
    search_fields = ["name_en", "name_zh"]
    filter_horizontal = ["users"]
