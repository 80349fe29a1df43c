"""The message catalogues: complete, used at run time, and the Chinese pages free of English.

Each catalogue (settings.LOCALE_PATHS) in Traditional (zh_Hant) and Simplified (zh_Hans) Chinese: no empty
and no fuzzy entry (a fuzzy entry is not used at run time), every translation keeps its source's
placeholders and HTML tags, one plural form, and the compiled .mo says what the .po says. A msgid found in
more than one catalogue is translated alike: Django uses the first catalogue of LOCALE_PATHS that has it,
so a different wording elsewhere is never shown. Then the home page, the directory, the applications
dashboard and the complaints list, rendered in zh-hant and zh-hans for the people who use them, show no
English phrase of the catalogues.
"""

import datetime
import re
from html import unescape
from pathlib import Path

import polib
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from applications import services as applications
from complaints import services as complaints
from directory.models import Registration
from tests.applications.factories import complete_application
from tests.complaints.factories import factory_with_user, provider
from tests.core.factories import UserFactory
from tests.directory.factories import RegistrationFactory

LANGUAGES = ("zh_Hant", "zh_Hans")
CATALOGUES = [Path(folder) for folder in settings.LOCALE_PATHS]
PO_FILES = [folder / language / "LC_MESSAGES" / "django.po" for folder in CATALOGUES for language in LANGUAGES]
HKT = datetime.timezone(datetime.timedelta(hours=8))

# The same English word with two meanings in two apps: the first catalogue's translation is the one shown
# for both (a source fix: pgettext with a context). Listed so that no other difference creeps in.
MEANINGS_APART: dict[str, str] = {}


def _name(path):
    return str(path.relative_to(settings.BASE_DIR))


def _entries(path):
    return [entry for entry in polib.pofile(str(path)) if not entry.obsolete]


def _translations(entry):
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def test_every_catalogue_is_there():
    assert len(CATALOGUES) == 5
    for path in PO_FILES:
        assert path.is_file(), _name(path)


@pytest.mark.parametrize("path", PO_FILES, ids=_name)
def test_no_empty_and_no_fuzzy_entry(path):
    empty = [e.msgid for e in _entries(path) if not all(_translations(e))]
    fuzzy = [e.msgid for e in _entries(path) if "fuzzy" in e.flags]
    assert empty == [], f"{_name(path)}: {len(empty)} untranslated"
    assert fuzzy == [], f"{_name(path)}: {len(fuzzy)} fuzzy (not used at run time)"


@pytest.mark.parametrize("path", PO_FILES, ids=_name)
def test_chinese_has_one_plural_form(path):
    po = polib.pofile(str(path))
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    for entry in po:
        if entry.msgid_plural:
            assert list(entry.msgstr_plural) == [0], entry.msgid


NAMED = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?([sdrfixXeEgGc])")
POSITIONAL = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?([sdrfixXeEgGc])")
BRACES = re.compile(r"\{(\w*)(?:![rsa])?(?::[^{}]*)?\}")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")


def placeholders(text, entry):
    """What a translation must keep: every %(name)s; with python-format, every %s too (%% is a percent
    sign); with python-brace-format, every {name}."""
    text = text.replace("%%", "")
    found = [f"%({name}){kind}" for name, kind in NAMED.findall(text)]
    if "python-format" in entry.flags:
        found += [f"%{kind}" for kind in POSITIONAL.findall(NAMED.sub("", text))]
    if "python-brace-format" in entry.flags:
        found += [f"{{{name}}}" for name in BRACES.findall(text.replace("{{", "").replace("}}", ""))]
    return sorted(found)


def test_the_placeholder_check_sees_every_kind():
    entry = polib.POEntry(msgid="")
    assert placeholders("%(ref)s of 100% sure", entry) == ["%(ref)s"]
    entry.flags.append("python-format")
    assert placeholders("%(ref)s of %(count)d, %(value)r, %s and 100%%", entry) == [
        "%(count)d",
        "%(ref)s",
        "%(value)r",
        "%s",
    ]
    entry.flags.append("python-brace-format")
    assert placeholders("{name} at {when:%H:%M} {{literal}}", entry) == ["{name}", "{when}"]


@pytest.mark.parametrize("path", PO_FILES, ids=_name)
def test_every_translation_keeps_the_placeholders_and_tags_of_its_msgid(path):
    wrong = []
    for entry in _entries(path):
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        # A plural's one Chinese form stands for both English ones: it keeps the names either uses.
        wanted = sorted(set().union(*(placeholders(s, entry) for s in sources)))
        tags = sorted(TAG.findall(entry.msgid))
        for text in _translations(entry):
            if sorted(set(placeholders(text, entry))) != wanted or sorted(TAG.findall(text)) != tags:
                wrong.append((entry.msgid, text))
    assert wrong == []


@pytest.mark.parametrize("path", PO_FILES, ids=_name)
def test_the_compiled_catalogue_is_the_catalogue(path):
    """compilemessages was run after the last change of the .po (the .mo is what Django reads)."""
    compiled = {(e.msgctxt, e.msgid): _translations(e) for e in polib.mofile(str(path.with_suffix(".mo"))) if e.msgid}
    source = {
        (e.msgctxt, e.msgid): _translations(e)
        for e in _entries(path)
        if "fuzzy" not in e.flags and all(_translations(e))
    }
    assert compiled == source


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_msgid_in_several_catalogues_is_translated_alike(language):
    seen = {}
    for folder in CATALOGUES:  # LOCALE_PATHS order: the first one wins at run time
        for entry in _entries(folder / language / "LC_MESSAGES" / "django.po"):
            seen.setdefault((entry.msgctxt, entry.msgid), {})[_name(folder)] = tuple(_translations(entry))
    differing = {
        key[1]: by_catalogue
        for key, by_catalogue in seen.items()
        if len(set(by_catalogue.values())) > 1 and key[1] not in MEANINGS_APART
    }
    assert differing == {}


# --- The Chinese pages show no English phrase of the catalogues ------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sd]|\{\w*\}")


def english_phrases():
    """Every run of four or more words of the catalogues' msgids, between placeholders and tags."""
    phrases = set()
    for path in PO_FILES:
        for entry in _entries(path):
            for source in filter(None, (entry.msgid, entry.msgid_plural)):
                for part in PLACEHOLDER.split(TAG.sub("|", source)):
                    for piece in part.split("|"):
                        piece = " ".join(piece.split()).strip(" .,:;()—")
                        if len(re.findall(r"[A-Za-z]{2,}", piece)) >= 4:
                            phrases.add(piece)
    return phrases


def english_left(html, phrases):
    text = " ".join(unescape(html).split())
    return sorted(phrase for phrase in phrases if phrase in text)


def on(day):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, 10, tzinfo=HKT), tick=False)


@pytest.fixture
def applicant():
    """An applicant with a draft and a submitted application."""
    user = UserFactory(email="owner@greentech.example.hk")
    complete_application(user=user)
    with on(datetime.date(2027, 2, 5)):
        applications.application_submit(application=complete_application(user=user, categories="2"), user=user)
    return user


@pytest.fixture
def factory_user():
    """A factory's user with a complaint lodged about a provider in the directory."""
    organisation = provider(name_en="Green Tech Limited", name_zh="綠色科技有限公司")
    factory = factory_with_user()
    user = factory.users.get()
    with on(datetime.date(2027, 1, 27)):
        complaints.case_lodge(
            user=user, factory=factory, organisation=organisation, description="Never commissioned.", documents=()
        )
    return user


def url(name, language):
    with translation.override(language):
        return reverse(name)


# (page, English that the page shows in English, its Traditional and its Simplified Chinese)
PAGES = [
    (
        "home",
        "Search the public directory of registered providers by name",
        "按名稱、類別及工作範疇搜尋",
        "按名称、类别及工作范畴搜索",
    ),
    (
        "directory:list",
        "Directory of Environmental Technology Service Providers",
        "環境技術服務供應商名錄",
        "环境技术服务供应商名录",
    ),
    (
        "applications:dashboard",
        "Not sent yet: you are still filling it in.",
        "尚未提交：你仍在填寫申請。",
        "尚未提交：你仍在填写申请。",
    ),
    (
        "complaints:list",
        "A participating factory may lodge a written complaint",
        "參與計劃的工廠可就註冊供應商的服務提出書面投訴",
        "参与计划的工厂可就注册供应商的服务提出书面投诉",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "english", "hant", "hans"), PAGES, ids=[page[0] for page in PAGES])
def test_the_chinese_pages_show_no_english(client, applicant, factory_user, name, english, hant, hans):
    RegistrationFactory(status=Registration.Status.CONFIRMED, confirmed_on=datetime.date(2026, 9, 1))
    RegistrationFactory()  # the directory lists a confirmed and a provisional provider
    client.force_login(factory_user if name == "complaints:list" else applicant)
    phrases = english_phrases()
    in_english = client.get(url(name, "en")).content.decode()
    assert english in in_english
    assert any(phrase in english or english in phrase for phrase in english_left(in_english, phrases))
    for language, chinese in (("zh-hant", hant), ("zh-hans", hans)):
        response = client.get(url(name, language))
        assert response.status_code == 200
        html = response.content.decode()
        assert chinese in html, language
        assert english not in html, language
        assert english_left(html, phrases) == [], language
