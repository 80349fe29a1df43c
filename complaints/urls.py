"""The factory's and the provider's pages of a case. A case is named by its reference; anyone but its
factory, its provider (once notified) and the Secretariat gets 404 (complaints.selectors)."""

from django.urls import path, register_converter

from . import views


class ReferenceConverter:
    regex = r"CASE-[0-9]{4}-[0-9]{5,}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "case")

app_name = "complaints"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.lodge, name="lodge"),
    path("<case:case_ref>/", views.detail, name="detail"),
    path("<case:case_ref>/answer/", views.answer, name="answer"),
    path("<case:case_ref>/message/", views.message, name="message"),
    path("<case:case_ref>/papers/", views.paper, name="paper"),
]
