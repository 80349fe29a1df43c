"""`make run`'s demo data: every state of a registration, provisional and confirmed providers listed."""

import io

import pytest
from django.core.management import call_command

from cpp_registry.demo import APPLICANT_EMAIL, FACTORY_EMAIL
from directory.models import Factory, Organisation, Registration

pytestmark = pytest.mark.django_db


def test_the_demo_covers_every_state_and_running_it_again_changes_nothing(client):
    call_command("seed_demo", stdout=io.StringIO())
    assert set(Registration.objects.values_list("status", flat=True)) == set(Registration.Status.values)
    assert Organisation.objects.filter(users__email=APPLICANT_EMAIL).exists()
    assert Factory.objects.filter(users__email=FACTORY_EMAIL).exists()
    counts = (Organisation.objects.count(), Registration.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Organisation.objects.count(), Registration.objects.count()) == counts

    body = client.get("/zh-hant/directory/").content.decode()
    assert "海港綠色工程有限公司" in body  # confirmed and provisional
    assert "珠江能源顧問有限公司" in body  # provisional
    assert 'class="badge p-marker"' in body
    assert "維多利亞清潔生產顧問有限公司" not in body  # expired
