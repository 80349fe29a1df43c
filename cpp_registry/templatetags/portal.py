"""Template tags of the base layout and of the one form pattern every public form follows.

The form pattern (GOV.UK Design System's "error summary" and "error message"; docs/forms.md):

    {% load portal crispy_forms_tags %}
    {% error_summary form %}                 {# "There is a problem", every error, each linking to its field #}
    <form method="post" novalidate>{% csrf_token %}
      {{ form|crispy }}                      {# each wrong field: aria-invalid, aria-describedby, "Error:" #}
    </form>

and the page's <title> gets "Error: " before it through base.html's `{% block title_prefix %}`, which
calls `{% error_title_prefix form %}`; a page whose form is not called `form`, or that has several forms or
formsets, overrides that block: `{% block title_prefix %}{% error_title_prefix application documents %}{% endblock %}`.
A field written by hand takes `{% field_error_attrs form.name %}` in its <input> and
`{% include "includes/field_error.html" with field=form.name %}` after it.
"""

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.encoding import iri_to_uri
from django.utils.html import format_html
from django.utils.translation import override, pgettext

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context):
    """One link per language to the same page in that language (query string kept).

    The page's URL is reversed in each language from the view it resolved to: `translate_url` would
    resolve the path again for each language, six times the cost (a fifth of a cached directory page)."""
    request = context["request"]
    current = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    match = getattr(request, "resolver_match", None)
    # `language_query`: a hole for the query string, in a page rendered once and kept (directory/shell.py).
    query = context.get("language_query") or iri_to_uri(request.META.get("QUERY_STRING", ""))
    links = []
    for code, name in settings.LANGUAGES:
        url = None
        if match is not None and match.view_name:
            try:
                with override(code):
                    url = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
            except NoReverseMatch:
                url = None
        if url is None:
            url = translate_url(request.get_full_path(), code)
        elif query:
            url = f"{url}?{query}"
        links.append({"code": code, "name": name, "url": url, "current": code == current})
    return links


def _has_errors(form):
    """A bound form or formset that failed validation; anything else (an unset variable: "") has none."""
    if not getattr(form, "is_bound", False):
        return False
    if hasattr(form, "total_error_count"):  # a formset
        return form.total_error_count() > 0
    return bool(form.errors)


def _forms_of(form):
    """The forms a form or formset holds: the form itself, or a formset's forms."""
    return list(form.forms) if hasattr(form, "total_error_count") else [form]


def _error_items(form):
    """(href, message) for every error of one form or formset, in the page's order: the errors that
    belong to no field first, then each field's, linking to the field (its first option for radios)."""
    items = []
    if hasattr(form, "non_form_errors"):
        items += [(None, message) for message in form.non_form_errors()]
    for each in _forms_of(form):
        items += [(None, message) for message in each.non_field_errors()]
        for field in each:
            if not field.errors:
                continue
            target = None
            if not field.is_hidden:
                target = field.id_for_label or (field.subwidgets[0].id_for_label if field.subwidgets else "")
                target = target or field.auto_id
            items += [(f"#{target}" if target else None, message) for message in field.errors]
    return items


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms):
    """The box at the top of a form with errors: heading "There is a problem", then every error of the
    given forms or formsets, each linking to its field (`href="#id_<field>"`). Nothing when all is well.

    Usage: `{% error_summary form %}` just above the <form>; several: `{% error_summary form formset %}`.
    static/js/forms.js moves the focus to it when the page loads."""
    items = []
    for form in forms:
        if _has_errors(form):
            items += _error_items(form)
    return {"errors": [{"href": href, "message": message} for href, message in items]}


@register.simple_tag
def error_title_prefix(*forms):
    """The prefix "Error: " for the page's <title> when any of the given forms or formsets has errors."""
    if any(_has_errors(form) for form in forms):
        return pgettext("error prefix", "Error: ")
    return ""


@register.simple_tag
def field_error_attrs(field):
    """For an <input> written by hand: aria-invalid and aria-describedby naming the field's message
    (the id that includes/field_error.html and the crispy templates give it, after its help text's
    `<id>_helptext` if it has one) when the field has errors."""
    if not field or not field.errors:
        return ""
    described_by = field.aria_describedby or f"{field.auto_id}_error"  # Django's: "<id>_helptext <id>_error"
    return format_html(' aria-invalid="true" aria-describedby="{}"', described_by)
