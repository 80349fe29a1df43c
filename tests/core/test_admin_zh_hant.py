"""Issue 10 §4.6: the Traditional Chinese back office has no English left. As the Programme Management Team,
on the demo data, the home page (the dashboard), the deadlines list, every changelist, a change page and a
history page of each model of the register, each export page and the lock-out page, in /zh-hant/, show no
phrase from a list of known English ones — the back office's own words (every msgid of the catalogues
written in its sources), the words of the libraries it shows (django-simple-history, django-import-export,
django-fsm-log, Django 6.1's new ones), the keys of states, transitions and notices — and write dates as
Hong Kong does in Chinese: "2026年11月27日", "2026年11月27日 07:03", never "Nov. 27, 2026, 7:03 a.m."."""

import contextlib
import re
from html import unescape
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import CharField, TextField
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from tests.core.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

APPS = ("core", "directory", "committee", "applications", "complaints")
# Where the back office's own words are written: a msgid found there is one of its phrases.
BACK_OFFICE_SOURCES = re.compile(
    r"(^|/)(admin\.py|admin_base\.py|dashboard\.py|charts\.py|cpp_registry/views\.py|admin_forms\.py|templates/admin/.*|"
    r"templates/core/deadlines_overview\.html|templates/registration/locked_out\.html)$"
)
LIBRARIES = [
    # django-simple-history (no Traditional Chinese catalogue)
    "View history", "Change history", "Date/time", "Changed by", "Change reason",
    "This object doesn't have a change history", "Deleted user", "(pk=",
    # django-import-export (none either)
    "This exporter will export the following fields", "Select all", "File to import",
    # django-fsm-log's headings
    "Target state", "Source state", "Timestamp",
    # Django 6.1's words its catalogue lacks
    "Select an option", "Filter by",
    # django-axes and the lock-out
    "Account locked", "Too many failed log-in attempts",
]  # fmt: skip
KEYS = [
    "motion_decided", "motion_opened", "cancel_substandard", "find_substantiated", "notify_provider",
    "provider_notified", "under_investigation", "awaiting_information", "cancelled_expired",
    "application_submitted", "registration_granted", "deadline_reminder", "contact_change",
    "Programme Management Team", "Project Technical Support Team", "PMC member",
]  # fmt: skip
ENGLISH_DATES = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.? \d{1,2}\b|\b\d{1,2} (Jan|Feb|Mar|Apr|May|"
    r"Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b|\b[ap]\.m\.|\bmidnight\b|\bnoon\b"
)
CHINESE_DAY = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
CHINESE_MOMENT = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sd]|\{\w*\}|<[^>]+>")


def back_office_phrases():
    """Every phrase of two words or more of the msgids written in the back office's sources."""
    phrases = set()
    for folder in settings.LOCALE_PATHS:
        catalogue = Path(folder) / "zh_Hant" / "LC_MESSAGES" / "django.po"
        for entry in polib.pofile(str(catalogue)):
            if entry.obsolete or not any(BACK_OFFICE_SOURCES.search(path) for path, _line in entry.occurrences):
                continue
            for source in filter(None, (entry.msgid, entry.msgid_plural)):
                for piece in PLACEHOLDER.split(source):
                    piece = " ".join(piece.split()).strip(" .,:;()—")
                    if len(re.findall(r"[A-Za-z]{2,}", piece)) >= 2:
                        phrases.add(piece)
    return phrases


def visible_text(html):
    """What a person reads: no script, no style, no attribute, no comment; entities decoded."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>|<!--.*?-->", " ", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def pages(client):
    """The back office's main pages, in Traditional Chinese."""
    with translation.override("zh-hant"):
        yield reverse("admin:index")
        yield reverse("deadlines_overview")
        for model, model_admin in admin.site._registry.items():
            opts = model._meta
            if opts.app_label not in APPS:
                continue
            yield reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            obj = model._default_manager.order_by("pk").first()
            if obj is not None:
                yield reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
                if hasattr(model_admin, "object_history_list_template"):  # django-simple-history's
                    yield reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
            with contextlib.suppress(NoReverseMatch):  # the lists officers report from export
                yield reverse(f"admin:{opts.app_label}_{opts.model_name}_export")


# Text that is a key, not words: never taken for data (the check must see it if a page shows it).
KEY_FIELDS = {"template_key", "idempotency_key", "owner_role", "transition", "state", "source_state"}


def data_strings():
    """What people wrote, or the demo wrote in English on purpose, and the pages show as it is: names,
    notices' bilingual subjects and bodies, motions' English questions, warnings' texts, the reasons kept in
    the transition log. Free text only — never a choice or a key, which must read in words."""
    values = set()
    for model in apps.get_models():
        if model._meta.app_label not in (*APPS, "django_fsm_log"):
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, CharField | TextField) and not f.choices and f.name not in KEY_FIELDS
        ]
        for row in model._default_manager.values_list(*fields):
            values |= {" ".join(str(v).split()) for v in row if v and re.search("[A-Za-z]{2}", str(v))}
    return sorted(values, key=len, reverse=True)


def without_data(text, data):
    for value in data:
        text = text.replace(value, " ")
    return text


def english_left(text, phrases):
    return sorted(p for p in phrases if re.search(rf"(?<![A-Za-z]){re.escape(p)}(?![A-Za-z])", text))


@pytest.fixture
def demo():
    call_command("seed_demo", verbosity=0)


def test_the_back_office_in_traditional_chinese_has_no_english_left(client, demo):
    phrases = back_office_phrases() | set(LIBRARIES) | set(KEYS)
    assert "Work queues" in phrases and "Export (CSV, XLSX" in phrases  # the list is the back office's
    data = data_strings()
    client.force_login(get_user_model().objects.get(email="pmt@demo.etsp.hk"))
    left, visited, dates = {}, 0, {"day": 0, "moment": 0}
    for url in pages(client):
        response = client.get(url)
        assert response.status_code == 200, url
        text = without_data(visible_text(response.content.decode()), data)
        visited += 1
        found = english_left(text, phrases)
        if found or ENGLISH_DATES.search(text):
            left[url] = found + ENGLISH_DATES.findall(text)
        dates["day"] += bool(CHINESE_DAY.search(text))
        dates["moment"] += bool(CHINESE_MOMENT.search(text))
    assert visited > 40
    assert left == {}
    assert dates["day"] > 20 and dates["moment"] > 10


def test_the_dashboard_and_the_deadlines_list_write_hong_kong_dates(client, demo):
    client.force_login(get_user_model().objects.get(email="pmt@demo.etsp.hk"))
    for path in ("/zh-hant/admin/", "/zh-hant/staff/deadlines/"):
        text = visible_text(client.get(path).content.decode())
        assert CHINESE_DAY.search(text), path
        assert not ENGLISH_DATES.search(text), path
    english = visible_text(client.get("/en/staff/deadlines/").content.decode())
    assert re.search(r"\b\d{1,2} (Nov|Dec) 2026\b", english) and not re.search(r"\b(Nov|Dec)\. \d", english)


def test_the_lock_out_page_is_in_traditional_chinese(client):
    """django-axes, counting allauth's failed log-ins: the fifth failure locks the address out, and the page
    says so in the language of the page asked for."""
    UserFactory(email="locked@example.hk")
    for _attempt in range(5):
        response = client.post("/zh-hant/accounts/login/", {"login": "locked@example.hk", "password": "wrong"})
    assert response.status_code == 429
    text = visible_text(response.content.decode())
    assert "帳戶已鎖定" in text and "一小時" in text
    assert english_left(text, set(LIBRARIES) | {"Reset your password", "Please try again later"}) == []
    # Still locked with the right password: the same page, not a log-in.
    response = client.post("/zh-hant/accounts/login/", {"login": "locked@example.hk", "password": PASSWORD})
    assert response.status_code == 429 and "帳戶已鎖定" in response.content.decode()
