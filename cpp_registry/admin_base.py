"""What every model admin of the portal shares."""

from django.contrib.admin.utils import unquote
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, answering a malformed or unknown object id in the history page the
    way Django's change page does (a "not found" message), not with a 500."""

    def history_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)
