"""Two officers deciding at the same moment, through the back office, on real PostgreSQL (issue 7 §1).

The admin runs the service on a locked fresh row before any form is saved, so exactly one decision is
taken; the other officer sees the reason on the form, and nothing of the old details is lost. Before the
hardening, approve + approve overwrote the kept "previous" details with the new ones, and approve + reject
left the request "rejected" while the directory showed the new details and the provider got both notices.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_fsm_log.models import StateLog

from cpp_registry.models import Notice
from cpp_registry.roles import Role
from directory import services
from directory.models import CONTACT_FIELDS, Organisation, Registration
from tests.core.factories import UserFactory, staff_user
from tests.directory.factories import OrganisationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*posts):
    """Run each (client, url, data) POST in its own thread and connection, released together by a barrier."""
    barrier = threading.Barrier(len(posts))
    results = [None] * len(posts)

    def run(i, client, url, data):
        try:
            barrier.wait(timeout=10)
            results[i] = client.post(url, data)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results


def officer(email):
    client = Client()
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email=email))
    return client


@pytest.fixture
def change():
    organisation = OrganisationFactory(email="old@x.example.hk", users=[UserFactory(email="owner@x.example.hk")])
    details = {k: str(v or "") for k, v in organisation.contact_details().items()}
    return services.contact_change_request(
        organisation=organisation, user=None, details={**details, "email": "new@x.example.hk"}
    )


def decision(change, verdict, note=""):
    data = {name: str(getattr(change, name) or "") for name in CONTACT_FIELDS}
    return {**data, "decision": verdict, "decision_note": note}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("approve", ""), ("approve", "")),
        (("approve", ""), ("reject", "Not signed")),
        (("reject", "No"), ("reject", "No")),
    ],
)
def test_section_5_2_2_two_officers_deciding_one_contact_change_at_once_take_exactly_one_decision(
    change, first, second
):
    url = reverse("admin:directory_contactchangerequest_change", args=[change.pk])
    responses = at_once(
        (officer("one@example.hk"), url, decision(change, *first)),
        (officer("two@example.hk"), url, decision(change, *second)),
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 302], codes
    refused = next(r for r in responses if r.status_code == 200).content.decode()
    assert "This request was already" in refused

    change.refresh_from_db()
    organisation = Organisation.objects.get(pk=change.organisation_id)
    assert StateLog.objects.for_(change).count() == 1
    assert change.status in ("approved", "rejected")
    if change.status == "approved":
        assert (organisation.email, change.previous["email"]) == ("new@x.example.hk", "old@x.example.hk")
    else:
        assert organisation.email == "old@x.example.hk"
    # One decision, one notice to the provider.
    assert Notice.objects.filter(template_key="contact_change_decided").count() == 1


def test_section_3_1_3_two_officers_granting_the_same_category_at_once_grant_one(settings):
    organisation = OrganisationFactory()
    url = reverse("admin:directory_registration_add")
    data = {"organisation": organisation.pk, "category": "1", "granted_on": ""}
    from django.utils import timezone

    data["granted_on"] = timezone.localdate().isoformat()
    responses = at_once((officer("one@example.hk"), url, data), (officer("two@example.hk"), url, data))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 302], codes
    assert "already holds a live registration" in next(r for r in responses if r.status_code == 200).content.decode()
    assert Registration.objects.filter(organisation=organisation).count() == 1
    assert StateLog.objects.filter(transition="grant").count() == 1
