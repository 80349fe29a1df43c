from django.conf import settings


def portal(request):
    """What the base layout needs on every page: the Secretariat's contact (§8.1)."""
    return {"secretariat": settings.SECRETARIAT_CONTACT}
