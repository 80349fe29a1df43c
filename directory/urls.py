from django.urls import path

from . import views, views_accounts

app_name = "directory"

urlpatterns = [
    path("", views.directory_list, name="list"),
    path("<int:pk>/", views.directory_detail, name="detail"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.json", views.export_json, name="export_json"),
    path("changes/", views.register_changes, name="changes"),
    path("changes.atom", views.changes_feed, name="changes_feed"),
    path("figures/", views.register_figures, name="figures"),
    path("code-of-conduct/", views.code_of_conduct, name="code_of_conduct"),
    path("mine/", views.my_organisations, name="mine"),
    path("mine/<int:pk>/contact-change/", views.contact_change_create, name="contact_change_create"),
    path("mine/registrations/<int:pk>/withdraw/", views.registration_withdraw, name="registration_withdraw"),
]

# Accounts (issue 8 §1): inviting a colleague to act for the organisation, and accepting (views_accounts.py).
urlpatterns += [
    path("mine/<int:pk>/invitations/", views_accounts.invitation_create, name="invitation_create"),
    path("mine/invitations/<int:pk>/withdraw/", views_accounts.invitation_withdraw, name="invitation_withdraw"),
    path("invitations/<str:token>/", views_accounts.invitation_accept, name="invitation_accept"),
]
