from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from .roles import user_has


def portal(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs on every page: the Secretariat's contact (§8.1), the navigation, and the
    language of a name shown in the other language (`other_lang`).

    A name held in both languages (an organisation's, a factory's) shows in the page's language, then the
    other one beside it: `<small lang="{{ other_lang }}">{{ organisation.other_name }}</small>` — Chinese
    (as held, in traditional characters) on an English page, English on a Chinese page (WCAG 3.1.2).

    Whether the user acts for an organisation or for a factory is asked only when a page's navigation needs
    it (lazily), and both in one query, through the relations the directory app declares on the user
    (`organisations`, `factories`): the core names no app.
    """
    user = getattr(request, "user", None)
    answers: dict[str, bool] = {}

    def acts_for() -> dict[str, bool]:
        if not answers:
            answers.update(_acts_for(user))
        return answers

    chinese_page = (translation.get_language() or "en").startswith("zh")
    return {
        "secretariat": settings.SECRETARIAT_CONTACT,
        "other_lang": "en" if chinese_page else "zh-Hant",
        "nav": {
            "acts_for_organisation": SimpleLazyObject(lambda: acts_for()["organisations"]),
            "acts_for_factory": SimpleLazyObject(lambda: acts_for()["factories"]),
        },
    }


RELATIONS = ("organisations", "factories")


def _acts_for(user: Any) -> dict[str, bool]:
    """{relation: whether the user has any} for each relation of RELATIONS the user model has; one query."""
    answers = dict.fromkeys(RELATIONS, False)
    if not (user and user.is_authenticated):
        return answers
    present = {name: getattr(user, name) for name in RELATIONS if getattr(user, name, None) is not None}
    answers.update(user_has(user, {name: related.all() for name, related in present.items()}))
    return answers
