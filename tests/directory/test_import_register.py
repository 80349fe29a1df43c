"""`manage.py import_register` (§3.2.1): the existing register, all or nothing."""

import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cpp_registry.models import Notice
from directory.models import Organisation, Registration
from tests.directory.factories import OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "register-sample.csv"
HEADER = (
    "name_en,name_zh,br_number,address_en,address_zh,district,phone,fax,email,website,contact_person,"
    "contact_title,category,status,granted_on,confirmed_on\n"
)


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 26, 10, tzinfo=datetime.UTC))


def write(tmp_path, body, header=HEADER):
    path = tmp_path / "register.csv"
    path.write_text(header + body, encoding="utf-8")
    return str(path)


def test_section_3_2_1_the_sample_file_imports(capsys):
    call_command("import_register", str(SAMPLE))
    assert "2 new organisation(s); 3 registration(s): 2 provisional, 1 confirmed" in capsys.readouterr().out
    harbour = Organisation.objects.get(br_number="31234567")
    assert (harbour.name_zh, harbour.district, str(harbour.phone)) == (
        "海港綠色工程有限公司",
        "kwun_tong",
        "+85223456789",
    )
    states = dict(harbour.registrations.values_list("category", "status"))
    assert states == {"2": "confirmed", "1": "provisional"}
    cat2 = harbour.registrations.get(category="2")
    assert cat2.confirmed_on == datetime.date(2025, 2, 10)
    assert harbour.registrations.get(category="1").valid_until == datetime.date(2027, 8, 31)
    # Already registered: they are not told again.
    assert not Notice.objects.exists()


def test_section_3_2_1_dry_run_writes_nothing(capsys):
    call_command("import_register", str(SAMPLE), "--dry-run")
    assert "Dry run, nothing written" in capsys.readouterr().out
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("Bad BR,,1234567,,,,,,,,,,1,provisional,2026-01-15,", "exactly 8 digits"),
        ("Bad BR,,1234567A,,,,,,,,,,1,provisional,2026-01-15,", "exactly 8 digits"),
        ("Bad phone,,55555555,,,,7123 4567,,,,,,1,provisional,2026-01-15,", "phone"),
        ("Bad category,,55555555,,,,,,,,,,3,provisional,2026-01-15,", "must be 1 or 2"),
        ("Bad status,,55555555,,,,,,,,,,1,withdrawn,2026-01-15,", "provisional or confirmed"),
        ("Bad date,,55555555,,,,,,,,,,1,provisional,15/01/2026,", "YYYY-MM-DD"),
        ("Ended,,55555555,,,,,,,,,,1,provisional,2024-01-15,", "ended on 2026-01-14"),
        ("Bad district,,55555555,,,mars,,,,,,,1,provisional,2026-01-15,", "not a Hong Kong district"),
    ],
)
def test_a_bad_row_stops_the_whole_import_with_its_line_and_why(tmp_path, capsys, row, reason):
    good = "Good Limited,好公司,66666666,,,,,,,,,,1,provisional,2026-01-15,\n"
    path = write(tmp_path, good + row + "\n")
    with pytest.raises(CommandError, match="Nothing imported: 1 bad row"):
        call_command("import_register", path)
    err = capsys.readouterr().err
    assert ":3: " in err and reason in err
    assert not Organisation.objects.exists()
    assert not Registration.objects.exists()


def test_every_bad_row_is_reported(tmp_path, capsys):
    path = write(tmp_path, "A,,1,,,,,,,,,,1,provisional,2026-01-15,\nB,,2,,,,,,,,,,9,provisional,2026-01-15,\n")
    with pytest.raises(CommandError, match="2 bad row"):
        call_command("import_register", path)
    err = capsys.readouterr().err
    assert ":2: " in err and ":3: " in err


def test_a_duplicate_live_registration_is_refused(tmp_path, capsys):
    RegistrationFactory(organisation=OrganisationFactory(br_number="77777777"), category="1")
    path = write(tmp_path, "Again,,77777777,,,,,,,,,,1,confirmed,2025-01-15,\n")
    with pytest.raises(CommandError):
        call_command("import_register", path)
    assert "already holds a live registration" in capsys.readouterr().err
    assert Registration.objects.count() == 1


def test_missing_columns_are_reported(tmp_path, capsys):
    path = write(tmp_path, "x,1\n", header="name_en,category\n")
    with pytest.raises(CommandError):
        call_command("import_register", path)
    assert "missing column(s): br_number, status, granted_on" in capsys.readouterr().err


def test_a_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_register", "/nonexistent.csv")
