"""Generated bad input (issue 11 §2): Hypothesis fills every public and applicant form — sign-up, each Annex A
section, the complaint, the contact change, the directory's search and filters — and the back office's
changelist filters with at least 500 generated inputs each.

Whatever arrives, no response is a 500 (the test client raises the view's exception, so a crash fails the
test with its traceback), and every refusal says what is wrong in the page's language: a form sent back shows
the error summary ("There is a problem" / 出現問題 / 出现问题), a request the portal cannot read at all is the
portal's own translated 400 page. The fields sent are the ones the page itself offers (read from its HTML),
so a field added later is fuzzed without anyone remembering to add it.
"""

import os
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications import services as applications
from cpp_registry.roles import Role
from tests.complaints.factories import factory_with_user, provider
from tests.core.factories import UserFactory, staff_user
from tests.directory.factories import OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "500"))  # fewer only by hand, while writing a test
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # every run draws afresh: no example database under the project's folder
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
LANGUAGES = ["en", "zh-hant", "zh-hans"]
PROBLEM = {"en": "There is a problem", "zh-hant": "出現問題", "zh-hans": "出现问题"}

# What a person, a careless script or an attacker might type: text in any script (control characters and
# surrogates left out — a NUL is tried on its own below), digits, dates right and wrong, huge numbers,
# markup, formulas, and the values the page offers.
HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "99999999999999999999",
        "1e308",
        "NaN",
        "2027-02-30",
        "2027-13-01",
        "99999-01-01",
        "0000-00-00",
        "12345678",
        "1234567",
        "<script>alert(1)</script>",
        '=HYPERLINK("http://x")',
        "'; DROP TABLE directory_organisation; --",
        "../../etc/passwd",
        "綠色科技有限公司",
        "绿色科技有限公司",
        "x" * 5000,
        "\u202etxt.exe",
        "a\x00b",
    ]
)
TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=300)
VALUE = st.one_of(TEXT, HOSTILE, st.integers().map(str), st.dates().map(str))


class _Form(HTMLParser):
    """The names a page's main form sends, with the values offered for choices."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._in_form = False
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if (
            tag == "form"
            and (attrs.get("method") or "").lower() == "post"
            and "logout" not in (attrs.get("action") or "")
        ):
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag in ("input", "textarea") and name and name != "csrfmiddlewaretoken":
            if attrs.get("type") in ("submit", "button", "file"):
                return
            self.fields.setdefault(name, [])
            if attrs.get("value") is not None and attrs.get("type") in ("checkbox", "radio", "hidden"):
                self.fields[name].append(attrs["value"])
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, [])
        elif tag == "option" and self._select and attrs.get("value") is not None:
            self.fields[self._select].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "form":
            self._in_form = False


def form_fields(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    parser = _Form()
    parser.feed(response.content.decode())
    assert parser.fields, f"no form on {path}"
    return parser.fields


def _data(fields):
    """A strategy of POST data over the page's fields: each one left out, given a value it offers, or
    anything at all."""
    parts = {}
    for name, offered in fields.items():
        choices = [st.just(None), VALUE]
        if offered:
            choices.append(st.sampled_from(offered))
            choices.append(st.lists(st.sampled_from(offered), max_size=3))
        parts[name] = st.one_of(*choices)
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})


def _unreadable(lang):
    with translation.override(lang):
        return translation.gettext("Sorry, the request could not be read")


def judge(response, lang, path, also=None):
    """Accepted (a redirect) or refused in the page's language; never a 500 (the client raises it). `also`:
    another refusal the page may give in place of the form (in English; looked up in the page's language)."""
    status = response.status_code
    assert status in (200, 302, 400), (path, status)
    body = response.content.decode()
    if status == 200:
        refusals = [PROBLEM[lang]]
        if also:
            with translation.override(lang):
                refusals.append(translation.gettext(also))
        assert any(r in body for r in refusals), f"{path}: the page came back without saying what is wrong in {lang}"
    if status == 400:
        assert _unreadable(lang) in body, f"{path}: a 400 that is not the portal's page in {lang}"


def fuzz_form(client, paths, also=None):
    """`paths` maps each language to the form's address."""
    fields = form_fields(client, paths["en"])

    @FUZZ
    @given(lang=st.sampled_from(LANGUAGES), data=_data(fields))
    def run(lang, data):
        path = paths[lang]
        judge(client.post(path, data), lang, path, also)

    run()


def addresses(name, **kwargs):
    out = {}
    for lang in LANGUAGES:
        with translation.override(lang):
            out[lang] = reverse(name, kwargs=kwargs)
    return out


# --- The forms -------------------------------------------------------------------------------------------


def test_sign_up_refuses_500_generated_inputs_in_the_pages_language(client, settings):
    settings.ACCOUNT_RATE_LIMITS = False  # allauth's limit on sign-ups from one address would answer 429 first
    fuzz_form(client, addresses("account_signup"))


ANNEX_A_SECTIONS = [
    "organisation",
    "categories",
    "staff_add",
    "project_add",
    "code_of_conduct",
    "privacy",
    "declaration",
]


@pytest.mark.parametrize("section", ANNEX_A_SECTIONS)
def test_each_annex_a_section_refuses_500_generated_inputs_in_the_pages_language(client, section, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    applicant = UserFactory(email="fuzz@applicant.example.hk")
    client.force_login(applicant)
    application = applications.application_start(user=applicant)
    fuzz_form(client, addresses(f"applications:{section}", reference=application.reference))


def test_the_complaint_form_refuses_500_generated_inputs_in_the_pages_language(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    provider(name_en="Green Tech Limited")
    user = factory_with_user().users.get()
    client.force_login(user)
    fuzz_form(client, addresses("complaints:lodge"))


def test_the_contact_change_refuses_500_generated_inputs_in_the_pages_language(client):
    organisation = OrganisationFactory()
    RegistrationFactory(organisation=organisation)
    user = UserFactory(email="fuzz@provider.example.hk")
    organisation.users.add(user)
    client.force_login(user)
    # Once one request is accepted, the page says that it waits for the Secretariat in place of the form.
    fuzz_form(
        client,
        addresses("directory:contact_change_create", pk=organisation.pk),
        also="A request is already waiting for the Secretariat",
    )


# --- Reading: the directory's search and filters, the back office's changelist filters ------------------


QUERY = st.dictionaries(
    st.sampled_from(["q", "category", "state", "area", "district", "sort", "page", "o", "r"]), VALUE, max_size=5
)


def test_the_directory_search_and_filters_take_500_generated_queries_without_a_500(client):
    RegistrationFactory(organisation=OrganisationFactory(name_en="Green Tech Limited", name_zh="綠色科技有限公司"))

    @FUZZ
    @given(lang=st.sampled_from(LANGUAGES), query=QUERY)
    def run(lang, query):
        with translation.override(lang):
            path = reverse("directory:list")
        response = client.get(path, query)
        assert response.status_code in (200, 400), (query, response.status_code)
        if response.status_code == 400:
            assert _unreadable(lang) in response.content.decode(), query

    run()


def _changelists():
    return [
        (
            model._meta.app_label,
            model._meta.model_name,
            [
                f if isinstance(f, str) else f.parameter_name
                for f in ma.list_filter
                if isinstance(f, str) or hasattr(f, "parameter_name")
            ],
        )
        for model, ma in admin.site._registry.items()
    ]


def test_every_admin_changelist_takes_500_generated_filter_values_without_a_500(client):
    pmt = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="fuzz-pmt@example.hk")
    client.force_login(pmt)
    lists = []
    for app_label, model_name, filters in _changelists():
        path = reverse(f"admin:{app_label}_{model_name}_changelist")
        if client.get(path).status_code != 200:
            continue  # not for this role: the access tests cover who may open what
        params = [name for f in filters for name in (f, f"{f}__exact", f"{f}__year", f"{f}__gte")] + [
            "q",
            "o",
            "p",
            "all",
        ]
        lists.append((path, params))
    assert len(lists) > 10

    @FUZZ
    @given(which=st.integers(min_value=0, max_value=len(lists) - 1), data=st.data())
    def run(which, data):
        path, params = lists[which]
        query = data.draw(st.dictionaries(st.sampled_from(params), VALUE, max_size=4))
        response = client.get(path, query)
        assert response.status_code in (200, 302, 400), (path, query, response.status_code)

    run()
