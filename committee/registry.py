"""What the committee knows of a motion's subject: only what the subject's app registers here.

The committee imports no other app. An app whose records come before the PMC (an application, a
complaint case, a provider) registers at start-up (`AppConfig.ready`), per subject model and motion kind:

- `outcomes`: what carrying out the decision means, per outcome ("passed" / "failed"). A handler is
  called inside the carrying-out transaction, with the motion locked, as
  `handler(motion=motion, subject=subject, actor=user)`; it does the work through its own app's services
  (which queue their own written notices) and returns a short note of what was done, kept on the motion.
  It refuses by raising `cpp_registry.errors.ServiceError` — nothing is then changed.
- `audience`: who hears the result besides the members — a function returning the unsaved notices
  (`cpp_registry.notices.build_notice`) for `(subject, template_key, context, event)`.
- `show`: how the subject shows on a motion page — a `Shown` (a title in each language and, for staff, a
  link to it in the back office).
- `on_close` (optional): what the subject's app records when the motion closes, before it is carried out
  (a case moves to "decided"); called in the closing transaction as `on_close(motion=, subject=, actor=)`.

Several apps may register for the same motion kind, each with its own subject model. A motion can only be
created for a (subject model, kind) that someone registered, so that every decision can be carried out.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models

Handler = Callable[..., str]
Audience = Callable[..., Iterable[Any]]


@dataclass(frozen=True)
class Shown:
    """A subject as a motion page shows it."""

    title_en: str
    title_zh: str = ""
    admin_url: str = ""
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubjectKind:
    model: type[models.Model]
    kind: str
    outcomes: Mapping[str, Handler]
    audience: Audience
    show: Callable[[Any], Shown]
    on_close: Callable[..., None] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


_registry: dict[tuple[str, str], SubjectKind] = {}


def _key(model: type[models.Model], kind: str) -> tuple[str, str]:
    return (model._meta.label_lower, str(kind))


def register(
    *,
    model: type[models.Model],
    kind: str,
    outcomes: Mapping[str, Handler],
    audience: Audience,
    show: Callable[[Any], Shown],
    on_close: Callable[..., None] | None = None,
    replace: bool = False,
) -> SubjectKind:
    """Say what a motion of `kind` about a `model` means (see the module's docstring)."""
    key = _key(model, kind)
    entry = SubjectKind(
        model=model,
        kind=str(kind),
        outcomes={str(k): v for k, v in outcomes.items()},
        audience=audience,
        show=show,
        on_close=on_close,
    )
    if key in _registry and not replace and _registry[key] != entry:
        raise ValueError(f"Motions of kind {kind!r} about {key[0]} are already registered.")
    _registry[key] = entry
    return entry


def unregister(*, model: type[models.Model], kind: str) -> SubjectKind | None:
    return _registry.pop(_key(model, kind), None)


def entry_for(*, model: type[models.Model], kind: str) -> SubjectKind | None:
    """The registration for motions of `kind` about a `model`, or None."""
    return _registry.get(_key(model, kind))


def subject_models() -> list[type[models.Model]]:
    """Every model some app registered as a possible subject (for the admin's choice of subject type)."""
    return list({entry.model for entry in _registry.values()})


def kinds_for(model: type[models.Model]) -> list[str]:
    return [entry.kind for entry in _registry.values() if entry.model is model]


def registered() -> dict[tuple[str, str], SubjectKind]:
    return dict(_registry)
