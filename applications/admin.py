from django.contrib import admin

from cpp_registry.admin_base import RegisterAdmin

from .models import Application


@admin.register(Application)
class ApplicationAdmin(RegisterAdmin):
    list_display = ["reference", "organisation", "status"]
