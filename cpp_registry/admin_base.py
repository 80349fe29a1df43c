"""What every model admin of the portal shares: the admin is a door too.

- History is for reading (`HistoryAdmin`): django-simple-history's history form would save a POST — even
  from a user with view permission only — and "revert" would undo decisions. Here it answers GET only,
  shows the past version read-only, and no revert button is offered (SIMPLE_HISTORY_REVERT_DISABLED).
- Nothing is hard-deleted (`has_delete_permission` is False): records end by a transition, never a delete.
- A service's refusal is shown on the form (`ServiceAdminMixin`): the admin calls the service in
  `save_model`; when it refuses (cpp_registry.errors.ServiceError), the transaction is rolled back and the
  same form is shown again with the service's message at the top and the officer's input kept — never a
  500, never "changed successfully" for a change that did not happen.
- The transition log reads in the page's language (`TransitionLogInline`): each transition and each state
  by its label, never its key (`cancel_substandard`, `provider_notified`), under translated headings.
- Exports (`ExportAdminMixin`, django-import-export): the changelist as filtered, as CSV or XLSX, for
  whoever may view the model — never an import. Every cell goes through `cpp_registry.csvsafe`
  (`ExportResource`): a cell that would start a formula is written as text.
"""

import datetime
from collections.abc import Mapping
from functools import cache
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMFieldMixin
from django_fsm_log.admin import StateLogInline
from import_export import resources, widgets
from import_export.admin import ExportMixin
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.forms import ExportForm
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from .csvsafe import csv_safe
from .errors import ServiceError

_REFUSAL = "_service_refusal"


class ServiceAdminMixin(admin.ModelAdmin):
    """Re-render the change form with the service's refusal instead of a 500 or a false success."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as exc:
            # The admin's own transaction was rolled back: nothing was saved. Show the same POST again, the
            # form made invalid by the refusal (get_form below), so the officer keeps their input.
            setattr(request, _REFUSAL, str(exc))
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, _REFUSAL, None)
        if refusal is None:
            return form

        class Refused(form):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                cleaned = super().clean()
                raise forms.ValidationError(refusal, code="refused")
                return cleaned  # pragma: no cover

        Refused.__name__ = form.__name__
        return Refused


class NoDeleteMixin(admin.ModelAdmin):
    """Records of the register end by a transition, never by a delete (nothing orphaned, history kept)."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # also takes away the "delete selected" action, which asks for this permission


class ReadableChanges(HistoricalRecordContextHelper):
    """A history's changes as a person reads them, in the page's language: a choice by its label (never its
    key), a day and a time in Hong Kong's format, yes or no, a person by name, "—" for nothing."""

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        field = self.model._meta.get_field(change.field)
        if isinstance(value, DeletedObject):
            return "—" if value.pk is None else gettext("deleted (%(id)s)") % {"id": value.pk}
        if value is None or value == "":
            return "—"
        if getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return gettext("yes") if value else gettext("no")
        if isinstance(value, datetime.datetime):
            return date_format(timezone.localtime(value), "DATETIME_FORMAT")
        if isinstance(value, datetime.date):
            return date_format(value, "DATE_FORMAT")
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, for reading only: the history list, and each past version shown
    read-only. A POST to a version's page (a revert or an edit) is refused and changes nothing; a malformed
    or unknown object or version id answers "not found", never a 500. The list is the portal's own
    (templates/admin/history/), in the page's language: the library has no Traditional Chinese."""

    object_history_template = "admin/history/object_history.html"
    object_history_list_template = "admin/history/object_history_list.html"

    def history_view_title(self, request: HttpRequest, obj: Any) -> str:
        return gettext("History of %(record)s") % {"record": obj}

    def get_historical_record_context_helper(self, request: HttpRequest, historical_record: Any) -> Any:
        return ReadableChanges(self.model, historical_record)

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        if self.get_object(request, unquote(object_id)) is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        if not str(version_id).isdigit() or self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def has_change_history_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the history form never saves (and the template then offers no save button)


class RegisterAdmin(ServiceAdminMixin, NoDeleteMixin, HistoryAdmin):
    """The base of every admin of a record of the register: history for reading, no delete, refusals on
    the form."""


# --- the transition log, in the page's language -----------------------------------------------------------


@cache
def fsm_transition_labels(model: type[models.Model]) -> dict[str, Any]:
    """The label each transition of `model` declares (`custom={"label": …}`), by its name."""
    labels: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, FSMFieldMixin):
            for transition in field.get_all_transitions(model):
                if transition.custom.get("label"):
                    labels.setdefault(transition.name, transition.custom["label"])
    return labels


def _state_label(model: type[models.Model] | None, value: str | None) -> str:
    if value in (None, ""):
        return "—"
    for field in model._meta.concrete_fields if model is not None else ():
        if isinstance(field, FSMFieldMixin):
            return str(dict(field.flatchoices).get(value, value))
    return str(value)


class TransitionLogInline(StateLogInline):
    """django-fsm-log's log of a record's transitions (who, when, from, to, why), read-only and in the page's
    language: the transition by its label — the app's `transition_labels`, else the label its `@transition`
    declares —, the states by their labels, the time in Hong Kong's format, translated headings (the
    library shows the keys, `cancel_substandard`, `provider_notified`, under English headings)."""

    template = "admin/edit_inline/transition_log.html"
    verbose_name = _("transition")
    verbose_name_plural = _("transition log")
    fields = ["logged_at", "transition_label", "from_state", "to_state", "logged_by", "why"]
    readonly_fields = fields
    # Labels of the transitions whose @transition declares none (and of logged steps that are no
    # transition, such as a registration's grant), by name; the subclass of each app fills it.
    transition_labels: Mapping[str, str | Promise] = {}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.fields)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("by", "content_type")

    def label_of(self, log: Any) -> str:
        label = self.transition_labels.get(log.transition)
        if label is None:
            label = fsm_transition_labels(log.content_type.model_class()).get(log.transition)
        return str(label) if label is not None else log.transition

    @admin.display(description=_("when"))
    def logged_at(self, log: Any) -> str:
        return date_format(timezone.localtime(log.timestamp), "DATETIME_FORMAT")

    @admin.display(description=_("transition"))
    def transition_label(self, log: Any) -> str:
        return self.label_of(log)

    @admin.display(description=pgettext_lazy("a transition", "from"))
    def from_state(self, log: Any) -> str:
        return _state_label(log.content_type.model_class(), log.source_state)

    @admin.display(description=pgettext_lazy("a transition", "to"))
    def to_state(self, log: Any) -> str:
        return _state_label(log.content_type.model_class(), log.state)

    @admin.display(description=_("by"))
    def logged_by(self, log: Any) -> str:
        return str(log.by) if log.by_id else gettext("the portal (a scheduled job)")

    @admin.display(description=_("why"))
    def why(self, log: Any) -> str:
        return log.description or "—"


# --- exports ------------------------------------------------------------------------------------------------


class ExportResource(resources.ModelResource):
    """A changelist's export: the columns the resource declares, each cell safe in a spreadsheet — text that
    would start a formula (`=HYPERLINK(…)`, `+`, `-`, `@`) is written with a leading quote, as text
    (cpp_registry.csvsafe) — in CSV and in XLSX alike. Headings in the page's language."""

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        value = super().export_field(field, instance, **kwargs)
        return csv_safe(value) if isinstance(value, str) else value

    def get_export_headers(self, selected_fields: Any = None) -> list[str]:
        return [csv_safe(capfirst(heading)) for heading in super().get_export_headers(selected_fields)]


def date_column(attribute: str, heading: Any) -> Field:
    """A day, as 2026-11-27 in CSV and a date cell in XLSX."""
    return Field(attribute=attribute, column_name=heading, widget=widgets.DateWidget("%Y-%m-%d"))


def datetime_column(attribute: str, heading: Any) -> Field:
    """A moment in Hong Kong time, as 2026-11-27 07:03 in CSV and a date-and-time cell in XLSX."""
    return Field(attribute=attribute, column_name=heading, widget=widgets.DateTimeWidget("%Y-%m-%d %H:%M"))


def number_column(attribute: str, heading: Any) -> Field:
    return Field(attribute=attribute, column_name=heading, widget=widgets.IntegerWidget())


def text_column(attribute: str, heading: Any) -> Field:
    return Field(attribute=attribute, column_name=heading)


class BackOfficeExportForm(ExportForm):
    """The export's one question: CSV or XLSX (the columns are the resource's), in the page's language."""

    def __init__(self, formats: Any, resources: Any, **kwargs: Any) -> None:
        super().__init__(formats, resources, **kwargs)
        self.fields["format"].label = _("File format")
        self.fields["format"].choices = [(str(i), f().get_title().upper()) for i, f in enumerate(formats)]
        self.initial.setdefault("format", "0")


class ExportAdminMixin(ExportMixin):
    """Export the changelist as filtered, as CSV or XLSX (django-import-export; export only, no import), for
    whoever may view the model's records; the rows are those of the changelist's query, with its joins."""

    export_formats = [base_formats.CSV, base_formats.XLSX]
    export_form_class = BackOfficeExportForm
    export_template_name = "admin/import_export/export.html"

    def has_export_permission(self, request: HttpRequest) -> bool:
        return bool(self.has_view_permission(request))  # type: ignore[attr-defined]

    def init_request_context_data(self, request: HttpRequest, form: Any) -> dict[str, Any]:
        context = super().init_request_context_data(request, form)
        resource = self.get_export_resource_classes(request)[0](**self.get_export_resource_kwargs(request))
        context["title"] = gettext("Export %(things)s") % {"things": self.opts.verbose_name_plural}  # type: ignore[attr-defined]
        context["export_columns"] = resource.get_export_headers()
        return context
