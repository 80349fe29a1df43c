"""The applicant's pages (Annex A online). Every page but the dashboard and "start" names an application by
its reference; another organisation's reference answers 404 (applications.selectors)."""

from django.urls import path

from cpp_registry.converters import register_reference

from . import views

register_reference("ref", "APP")

app_name = "applications"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.start, name="start"),
    path("<ref:reference>/", views.tasks, name="tasks"),
    path("<ref:reference>/organisation/", views.organisation, name="organisation"),
    path("<ref:reference>/categories/", views.categories, name="categories"),
    path("<ref:reference>/staff/", views.staff, name="staff"),
    path("<ref:reference>/staff/add/", views.staff_edit, name="staff_add"),
    path("<ref:reference>/staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("<ref:reference>/staff/<int:pk>/remove/", views.staff_remove, name="staff_remove"),
    path("<ref:reference>/projects/", views.projects, name="projects"),
    path("<ref:reference>/projects/add/", views.project_edit, name="project_add"),
    path("<ref:reference>/projects/<int:pk>/", views.project_edit, name="project_edit"),
    path("<ref:reference>/projects/<int:pk>/remove/", views.project_remove, name="project_remove"),
    path("<ref:reference>/code-of-conduct/", views.code_of_conduct, name="code_of_conduct"),
    path("<ref:reference>/privacy/", views.privacy, name="privacy"),
    path("<ref:reference>/declaration/", views.declaration, name="declaration"),
    path("<ref:reference>/check/", views.check_answers, name="check"),
    path("<ref:reference>/answer/", views.answer, name="answer"),
    path("<ref:reference>/withdraw/", views.withdraw, name="withdraw"),
    path("<ref:reference>/papers/", views.paper, name="paper"),
]
