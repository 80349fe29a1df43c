"""What every model admin of the portal shares: the admin is a door too.

- History is for reading (`HistoryAdmin`): django-simple-history's history form would save a POST — even
  from a user with view permission only — and "revert" would undo decisions. Here it answers GET only,
  shows the past version read-only, and no revert button is offered (SIMPLE_HISTORY_REVERT_DISABLED).
- Nothing is hard-deleted (`has_delete_permission` is False): records end by a transition, never a delete.
- A service's refusal is shown on the form (`ServiceAdminMixin`): the admin calls the service in
  `save_model`; when it refuses (cpp_registry.errors.ServiceError), the transaction is rolled back and the
  same form is shown again with the service's message at the top and the officer's input kept — never a
  500, never "changed successfully" for a change that did not happen.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin

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


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, for reading only: the history list, and each past version shown
    read-only. A POST to a version's page (a revert or an edit) is refused and changes nothing; a malformed
    or unknown object or version id answers "not found", never a 500."""

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
