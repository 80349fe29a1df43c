from django.conf import settings
from django.utils.functional import SimpleLazyObject


def portal(request):
    """What the base layout needs on every page: the Secretariat's contact (§8.1) and the navigation.

    Whether the user acts for an organisation is asked only when a page's navigation needs it (lazily),
    through the relation the directory app declares on the user (`organisations`): the core names no app.
    """
    user = getattr(request, "user", None)

    def acts_for_organisation():
        related = getattr(user, "organisations", None)
        return bool(user and user.is_authenticated and related is not None and related.exists())

    return {
        "secretariat": settings.SECRETARIAT_CONTACT,
        "nav": {"acts_for_organisation": SimpleLazyObject(acts_for_organisation)},
    }
