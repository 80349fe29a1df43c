from django import template
from django.conf import settings
from django.urls import translate_url

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context):
    """One link per language to the same page in that language (query string kept)."""
    request = context["request"]
    path = request.get_full_path()
    current = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    return [
        {"code": code, "name": name, "url": translate_url(path, code), "current": code == current}
        for code, name in settings.LANGUAGES
    ]
