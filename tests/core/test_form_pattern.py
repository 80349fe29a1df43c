"""Issue 7 §7: one form pattern on every public form, after the GOV.UK Design System — an error summary
("There is a problem", every error linking to its field), each wrong field marked aria-invalid and tied to
its message (aria-describedby, a visually hidden "Error:" first), and "Error: " before the page's <title>;
in English, Traditional and Simplified Chinese."""

import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.template import Context, Template

from directory.models import Registration
from tests.core.factories import PASSWORD, UserFactory
from tests.directory.factories import OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

LANGUAGES = [
    ("en", "There is a problem", "Error: ", "This field is required."),
    ("zh-hant", "出現問題", "錯誤：", "這個欄位是必須的。"),
    ("zh-hans", "出现问题", "错误：", "这个字段是必填项。"),
]
VOID = {"input", "br", "img", "meta", "link", "hr", "source", "area", "base", "col", "embed", "wbr"}


class Elements(HTMLParser):
    """Every element of a page as a dict of its attributes, with its tag and the text inside it."""

    def __init__(self, html):
        super().__init__()
        self.all, self._open = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, **{name: value or "" for name, value in attrs}, "text": ""}
        self.all.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i]["tag"] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def by_id(self, id_):
        found = [e for e in self.all if e.get("id") == id_]
        assert len(found) == 1, f"{len(found)} elements with id {id_}"
        return found[0]

    def where(self, **attrs):
        return [e for e in self.all if all(e.get(k) == v for k, v in attrs.items())]


def text(value):
    return " ".join(value.split())


def title(html):
    return text(re.search(r"<title>(.*?)</title>", html, re.S).group(1))


def summary_links(page):
    """(href, text) of each item of the error summary, href None for an item without a link."""
    box = page.by_id("error-summary")
    assert (box["role"], box["tabindex"]) == ("alert", "-1")
    start = page.all.index(box)
    items = []
    for element in page.all[start + 1 :]:
        if element["tag"] == "li":
            items.append([None, text(element["text"])])
        elif element["tag"] == "a" and items:
            items[-1][0] = element["href"]
        elif element["tag"] in ("form", "div") and element.get("id") != "error-summary":
            break
    return [tuple(item) for item in items]


def assert_field_marked(page, field_id, message, prefix):
    """The field is aria-invalid and described by its message, which starts with a hidden "Error:"."""
    field = page.by_id(field_id)
    assert field["aria-invalid"] == "true"
    assert f"{field_id}_error" in field["aria-describedby"].split()
    error = page.by_id(f"{field_id}_error")
    assert message in text(error["text"])
    hidden = next(e for e in page.all[page.all.index(error) :] if e.get("class") == "visually-hidden")
    assert hidden["text"] == prefix
    assert text(error["text"]).startswith(text(prefix))


# The log-in page (written by hand, with the pattern's tags).


@pytest.mark.parametrize(("lang", "heading", "prefix", "required"), LANGUAGES)
def test_login_with_nothing_entered_follows_the_pattern(client, lang, heading, prefix, required):
    response = client.post(f"/{lang}/accounts/login/", {"login": "", "password": ""})
    html = response.content.decode()
    page = Elements(html)
    assert response.status_code == 200
    assert title(html).startswith(prefix)
    assert text(page.by_id("error-summary-title")["text"]) == heading
    assert summary_links(page) == [("#id_login", required), ("#id_password", required)]
    assert_field_marked(page, "id_login", required, prefix)
    assert_field_marked(page, "id_password", required, prefix)
    # The summary takes the focus on load (static/js/forms.js), so the email box gives up its autofocus.
    assert "autofocus" not in page.by_id("id_login")


@pytest.mark.parametrize(
    ("lang", "prefix", "message"),
    [
        ("en", "Error: ", "Please enter a correct email address and password."),
        ("zh-hant", "錯誤：", "請輸入正確的電郵地址及密碼"),
        ("zh-hans", "错误：", "请输入正确的电子邮箱地址及密码"),
    ],
)
def test_a_wrong_password_is_listed_in_the_summary_once(client, lang, prefix, message):
    UserFactory(email="applicant@example.hk")
    response = client.post(f"/{lang}/accounts/login/", {"login": "applicant@example.hk", "password": "wrong"})
    html = response.content.decode()
    page = Elements(html)
    assert title(html).startswith(prefix)
    [(href, item)] = summary_links(page)
    assert href is None and message in item  # it belongs to no one field: listed, not linked
    assert html.count(message) == 1
    assert page.where(**{"aria-invalid": "true"}) == []


@pytest.mark.parametrize("lang", ["en", "zh-hant", "zh-hans"])
def test_a_form_without_errors_has_no_summary_and_no_prefix(client, lang):
    html = client.get(f"/{lang}/accounts/login/").content.decode()
    assert 'id="error-summary"' not in html
    assert "aria-invalid" not in html
    assert not title(html).startswith(("Error", "錯誤", "错误"))
    assert "autofocus" in Elements(html).by_id("id_login")


def test_every_page_loads_the_script_that_focuses_the_summary_under_the_csp(client):
    response = client.get("/en/accounts/login/")
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    scripts = [e for e in Elements(response.content.decode()).where(tag="script") if "forms" in e["src"]]
    assert [(e["src"], e["nonce"]) for e in scripts] == [("/static/js/forms.js", nonce)]
    assert client.get("/static/js/forms.js").status_code == 200


# The provider's forms ({{ form|crispy }} with the pattern's crispy templates).


@pytest.fixture
def provider(client):
    owner = UserFactory(email="owner@provider.example.hk")
    organisation = OrganisationFactory(name_en="Echo Limited", email="old@echo.example.hk", users=[owner])
    registration = RegistrationFactory(organisation=organisation, status=Registration.Status.CONFIRMED)
    client.force_login(owner)
    return organisation, registration


def contact_details(organisation, **changes):
    return {**{k: str(v or "") for k, v in organisation.contact_details().items()}, **changes}


@pytest.mark.parametrize(
    ("lang", "heading", "prefix", "bad_email"),
    [
        ("en", "There is a problem", "Error: ", "Enter a valid email address."),
        ("zh-hant", "出現問題", "錯誤：", "請輸入有效的電子郵件地址。"),
        ("zh-hans", "出现问题", "错误：", "输入一个有效的 Email 地址。"),
    ],
)
def test_contact_change_with_a_bad_email_follows_the_pattern(client, provider, lang, heading, prefix, bad_email):
    organisation, _ = provider
    url = f"/{lang}/directory/mine/{organisation.pk}/contact-change/"
    response = client.post(url, contact_details(organisation, email="not-an-email"))
    html = response.content.decode()
    page = Elements(html)
    assert response.status_code == 200
    assert title(html).startswith(prefix)
    assert text(page.by_id("error-summary-title")["text"]) == heading
    assert summary_links(page) == [("#id_email", bad_email)]
    assert_field_marked(page, "id_email", bad_email, prefix)
    # Only the wrong field is marked.
    assert [e["id"] for e in page.where(**{"aria-invalid": "true"})] == ["id_email"]


@pytest.mark.parametrize(
    ("lang", "message"),
    [("en", "Nothing is changed"), ("zh-hant", "沒有任何更改"), ("zh-hans", "没有任何更改")],
)
def test_an_error_of_no_one_field_is_in_the_summary_only(client, provider, lang, message):
    organisation, _ = provider
    response = client.post(f"/{lang}/directory/mine/{organisation.pk}/contact-change/", contact_details(organisation))
    html = response.content.decode()
    [(href, item)] = summary_links(Elements(html))
    assert href is None and message in item
    assert html.count(message) == 1  # crispy's own box of these errors is switched off (bootstrap5/errors.html)
    assert "alert-block" not in html


def test_withdrawal_without_a_reason_or_the_tick_links_both_fields(client, provider):
    _, registration = provider
    response = client.post(f"/en/directory/mine/registrations/{registration.pk}/withdraw/", {"reason": ""})
    html = response.content.decode()
    page = Elements(html)
    assert title(html).startswith("Error: ")
    assert [href for href, _ in summary_links(page)] == ["#id_reason", "#id_confirm"]
    assert_field_marked(page, "id_reason", "This field is required.", "Error: ")
    assert_field_marked(page, "id_confirm", "This field is required.", "Error: ")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_password_reset_with_a_bad_address_follows_the_pattern(client):
    response = client.post("/zh-hant/accounts/password/reset/", {"email": "nobody"})
    html = response.content.decode()
    page = Elements(html)
    assert title(html).startswith("錯誤：")
    assert [href for href, _ in summary_links(page)] == ["#id_email"]
    assert_field_marked(page, "id_email", "請輸入有效的電子郵件地址。", "錯誤：")


def test_password_change_lists_the_wrong_old_password(client):
    user = UserFactory(email="someone@example.hk")
    client.force_login(user)
    response = client.post(
        "/en/accounts/password/change/",
        {"oldpassword": "wrong", "password1": "x", "password2": "y"},
    )
    page = Elements(response.content.decode())
    hrefs = [href for href, _ in summary_links(page)]
    assert hrefs[0] == "#id_oldpassword" and "#id_password1" in hrefs
    assert_field_marked(page, "id_oldpassword", "Please type your current password.", "Error: ")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# The pieces themselves, as the Annex A and complaint forms will use them.


class Sample(forms.Form):
    name = forms.CharField(help_text="As on the business registration.")
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("The whole form is wrong.")


def test_summary_links_radios_to_the_first_option_and_lists_hidden_and_form_errors():
    SampleSet = forms.formset_factory(Sample, extra=0)
    formset = SampleSet({"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-name": "x"})
    template = Template(
        "{% load portal %}{% error_summary form formset %}<p id='t'>{% error_title_prefix formset %}</p>"
    )
    html = template.render(Context({"form": Sample({}), "formset": formset}))
    page = Elements(html)
    assert summary_links(page) == [
        (None, "The whole form is wrong."),
        ("#id_name", "This field is required."),
        ("#id_kind_0", "This field is required."),
        (None, "This field is required."),  # the hidden field: nothing to link to
        (None, "The whole form is wrong."),
        ("#id_form-0-kind_0", "This field is required."),
        (None, "This field is required."),
    ]
    assert page.by_id("t")["text"] == "Error: "


def test_nothing_is_shown_for_an_unbound_or_valid_form_or_an_unset_variable():
    class Valid(forms.Form):
        name = forms.CharField()

    html = Template(
        "{% load portal %}{% error_summary unbound valid missing %}[{% error_title_prefix unbound valid missing %}]"
    ).render(Context({"unbound": Valid(), "valid": Valid({"name": "x"})}))
    assert html.strip() == "[]"


def test_a_field_written_by_hand_names_its_help_text_and_its_message():
    form = Sample({})
    html = Template("<input{% load portal %}{% field_error_attrs form.name %}>").render(Context({"form": form}))
    assert html == '<input aria-invalid="true" aria-describedby="id_name_helptext id_name_error">'
    assert (
        Template("{% load portal %}[{% field_error_attrs form.name %}]").render(
            Context({"form": Sample({"name": "x", "kind": "a", "token": "t"})})
        )
        == "[]"
    )
