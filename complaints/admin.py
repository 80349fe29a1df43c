from django.contrib import admin

from cpp_registry.admin_base import RegisterAdmin

from .models import Case


@admin.register(Case)
class CaseAdmin(RegisterAdmin):
    list_display = ["reference", "kind", "organisation", "status"]
