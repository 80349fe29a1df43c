"""One way to run a transition of any state machine of the portal (registrations, contact changes,
final reports, motions, applications, cases).

A `@transition` on a model only declares source, target, conditions and permission. `transition_run`
does the rest, always in the same order, inside the caller's transaction:

1. lock a fresh copy of the row (SELECT … FOR UPDATE), so that two officers deciding at once are
   serialised and the second sees the first's result;
2. ask django-fsm whether the transition is possible from the state *now* (`can_proceed`) and whether
   this person may run it (`has_transition_perm`); refuse with a translated message otherwise — nothing
   has changed;
3. run the subject's own checks (`check`), which raise ServiceError to refuse;
4. run the transition with the actor and reason, which django-fsm-log records (who, when, from, to, why);
5. apply the changes that go with it, save (django-simple-history records the row, by the actor);
6. write the notices in the same transaction; each is handed to Celery only after commit
   (`cpp_registry.notices.notices_bulk_queue`, `delay_on_commit`). A rollback sends nothing.

A system job (the expiry job, a scheduled clock) passes `actor=None`: no permission applies to it.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _
from django_fsm import FSMFieldMixin, can_proceed, has_transition_perm

from .errors import ServiceError, TransitionRefused
from .notices import notices_bulk_queue

M = TypeVar("M", bound=models.Model)


def state_display(instance: models.Model, field_name: str | None = None) -> str:
    """The subject's state in words, in the page's language."""
    field = _fsm_field(instance, field_name)
    return str(getattr(instance, f"get_{field.name}_display")())


def _fsm_field(instance: models.Model, field_name: str | None = None) -> FSMFieldMixin:
    for field in instance._meta.concrete_fields:
        if isinstance(field, FSMFieldMixin) and (field_name is None or field.name == field_name):
            return field
    raise TypeError(f"{type(instance).__name__} has no FSMField {field_name or ''}")


def lock[M: models.Model](instance: M) -> M:
    """A fresh copy of the row, locked until the transaction ends."""
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def wrong_state_message(instance: models.Model) -> str:
    return _("This %(thing)s is %(state)s now; that change is not possible from this state. Nothing was changed.") % {
        "thing": instance._meta.verbose_name,
        "state": state_display(instance).lower(),
    }


@transaction.atomic
def transition_run[M: models.Model](
    *,
    instance: M,
    name: str,
    actor: Any,
    reason: str | Callable[[M], str] = "",
    check: Callable[[M], None] | None = None,
    changes: Mapping[str, Any] | Callable[[M], Mapping[str, Any]] | None = None,
    notices: Callable[[M], Iterable[Any]] | None = None,
    refusal: Callable[[M], str] | None = None,
    error: type[ServiceError] = TransitionRefused,
) -> M:
    """Run the transition `name` on a locked fresh copy of `instance` and return that copy, saved.

    - `check(locked)`: the subject's own rules beyond its state, and any work that must be done before the
      transition is logged (carrying out a PMC decision); raise ServiceError to refuse — nothing is saved.
    - `reason`: why, kept in the transition's log (text, or a function of the locked row, called after
      `check`).
    - `changes`: fields to set with the transition (a mapping, or a function of the locked row, called
      after the transition; it may do the work that goes with it, and refuse with ServiceError — then
      nothing is saved).
    - `notices(locked)`: the written notices of this change (unsaved Notice objects, cpp_registry.notices).
    - `refusal(locked)`: the message when the state does not allow it (default: the state in words).
    - `error`: the app's own ServiceError subclass to refuse with (RegisterError, CommitteeError, …).
    """
    locked = lock(instance)
    method = getattr(locked, name)
    if not can_proceed(method):
        raise error(refusal(locked) if refusal else wrong_state_message(locked))
    if actor is not None and not has_transition_perm(method, actor):
        raise error(_("You are not allowed to make this change. Nothing was changed."))
    if check is not None:
        check(locked)
    description = reason(locked) if callable(reason) else reason
    method(by=actor, description=str(description or "") or None)
    values = changes(locked) if callable(changes) else (changes or {})
    for field, value in values.items():
        setattr(locked, field, value)
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save()
    if notices is not None:
        notices_bulk_queue(list(notices(locked)))
    return locked
