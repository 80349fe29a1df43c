"""The committee area for PMC members and staff (§6.1.4: a simple majority); none of these views is public."""

from django.urls import path

from . import views

app_name = "committee"

urlpatterns = [
    path("", views.motion_list, name="list"),
    path("my-votes/", views.my_votes, name="my_votes"),
    path("motions/<int:pk>/", views.motion_detail, name="detail"),
    path("motions/<int:pk>/vote/", views.motion_vote, name="vote"),
    path("motions/<int:pk>/close/", views.motion_close, name="close"),
    path("motions/<int:pk>/carry-out/", views.motion_carry_out, name="carry_out"),
    path("papers/<int:pk>/", views.paper_download, name="paper"),
]
