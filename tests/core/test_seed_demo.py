import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from cpp_registry.models import ClosureDay
from cpp_registry.roles import Role

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_has_one_user_per_role(capsys):
    call_command("seed_demo")
    User = get_user_model()
    counts = (User.objects.count(), ClosureDay.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), ClosureDay.objects.count()) == counts
    for role in Role:
        assert User.objects.filter(groups__name=role.value).exists(), role
    out = capsys.readouterr().out
    assert "pmc@demo.etsp.hk" in out and "demo-pass-2026" in out
    assert User.objects.get(email="admin@demo.etsp.hk").check_password("demo-pass-2026")
