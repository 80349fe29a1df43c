"""The factory's and the provider's pages of a case. A case is named by its reference; anyone but its
factory, its provider (once notified) and the Secretariat gets 404 (complaints.selectors)."""

from django.urls import path

from cpp_registry.converters import register_reference

from . import views

register_reference("case", "CASE")

app_name = "complaints"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.lodge, name="lodge"),
    path("<case:case_ref>/", views.detail, name="detail"),
    path("<case:case_ref>/answer/", views.answer, name="answer"),
    path("<case:case_ref>/message/", views.message, name="message"),
    path("<case:case_ref>/papers/", views.paper, name="paper"),
]
