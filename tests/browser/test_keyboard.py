"""Issue 11 §1, keyboard only, in 繁體中文 (/zh-hant/): a section of Annex A with text fields, the declaration
and the submission, then a factory's complaint, each completed and sent without a mouse — Tab, typing, Space
on a tick box, the arrow keys in a drop-down, Enter on the button; nothing is clicked. Each test asserts
that the focus moves through the form's fields in the order a reader meets them, and that the sending
succeeded (what the page says, and the record)."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from applications import services as applications
from applications.models import Application
from complaints.models import Case
from tests.applications.factories import add_projects, add_staff, pdf
from tests.browser.conftest import log_in
from tests.complaints.factories import factory_with_user, provider
from tests.core.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGE = "zh-hant"

FOCUSED = "() => { const el = document.activeElement; return el.id || el.getAttribute('name') || el.tagName; }"


def zh(message, **params):
    with translation.override(LANGUAGE):
        text = gettext(message)
    return text % params if params else text


def focused(page):
    return page.evaluate(FOCUSED)


def tab_to(page, element_id, limit=80):
    """Press Tab until the field `element_id` has the focus (from the top of the page, through the header's
    links, as a keyboard user does)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page) == element_id:
            return
    raise AssertionError(f"#{element_id} never got the focus")


def tab(page):
    """The next field: press Tab, return what has the focus."""
    page.keyboard.press("Tab")
    return focused(page)


def press_enter_and_wait(page):
    with page.expect_navigation():
        page.keyboard.press("Enter")


def draft_without_organisation_and_declaration(user):
    """A draft whose categories, staff, projects, code of conduct and privacy statement are done."""
    application = applications.application_start(user=user)
    applications.application_save_categories(application=application, user=user, categories="1")
    add_staff(application, user)
    add_projects(application, user)
    applications.application_save_code_of_conduct(
        application=application, user=user, kind="template", document=pdf("coc.pdf")
    )
    applications.application_acknowledge_privacy(application=application, user=user)
    return Application.objects.get(pk=application.pk)


ORGANISATION_FIELDS = [
    "id_name_en",
    "id_name_zh",
    "id_br_number",
    "id_address_en",
    "id_address_zh",
    "id_district",
    "id_phone",
    "id_fax",
    "id_email",
    "id_website",
    "id_contact_person",
    "id_contact_title",
    "id_areas_0",
    "id_areas_1",
    "id_areas_2",
    "id_areas_3",
    "id_areas_4",
]
ORGANISATION_TEXT = {
    "id_name_en": "Keyboard Green Consultants Limited",
    "id_name_zh": "鍵盤綠色顧問有限公司",
    "id_br_number": "62345678",
    "id_address_en": "Unit 5, 8 Harbour Road, Wan Chai, Hong Kong",
    "id_address_zh": "香港灣仔港灣道8號5室",
    "id_phone": "2123 4567",
    "id_email": "info@keyboard.example.hk",
    "id_contact_person": "陳大文",
    "id_contact_title": "董事",
}


def submit_button_text(page):
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return el.matches('main form button[type=submit]') ? el.innerText.trim() : ''; }"
    )


def test_annex_a_organisation_details_and_declaration_are_filled_and_submitted_with_the_keyboard_only(page):
    user = UserFactory(email="keyboard@greenloop.example.hk", language=LANGUAGE)
    application = draft_without_organisation_and_declaration(user)
    log_in(page, user.email, PASSWORD, language=LANGUAGE)
    page.goto(f"/{LANGUAGE}/applications/{application.reference}/organisation/")

    # --- the organisation's details: every field in the order of the page, typed; a district by arrow key;
    # an area of work ticked with Space; the button reached with Tab and pressed with Enter ------------------
    tab_to(page, ORGANISATION_FIELDS[0])
    seen = [focused(page)]
    for field in ORGANISATION_FIELDS:
        if field != ORGANISATION_FIELDS[0]:
            seen.append(tab(page))
        if field in ORGANISATION_TEXT:
            page.keyboard.type(ORGANISATION_TEXT[field])
        elif field == "id_district":
            page.keyboard.press("ArrowDown")  # the first district after "choose"
        elif field == "id_areas_2":
            page.keyboard.press("Space")
    assert seen == ORGANISATION_FIELDS
    tab(page)
    assert submit_button_text(page) == zh("Save and continue")
    press_enter_and_wait(page)
    assert zh("Saved: %(section)s.", section=zh("Organisation details")) in page.locator("main .messages").inner_text()
    application.refresh_from_db()
    organisation = application.organisation
    assert (organisation.name_en, organisation.name_zh) == (
        "Keyboard Green Consultants Limited",
        "鍵盤綠色顧問有限公司",
    )
    assert (organisation.district, organisation.areas, organisation.contact_title) == ("central_western", "c", "董事")

    # --- the declaration: name, position, the tick box with Space, then Enter ---------------------------
    page.goto(f"/{LANGUAGE}/applications/{application.reference}/declaration/")
    tab_to(page, "id_name")
    page.keyboard.type("陳大文")
    assert tab(page) == "id_position"
    page.keyboard.type("董事")
    assert tab(page) == "id_confirm"
    page.keyboard.press("Space")
    assert page.is_checked("#id_confirm")
    tab(page)
    assert submit_button_text(page) == zh("Save and continue")
    press_enter_and_wait(page)

    # --- check the answers, and submit: Tab to the button, Enter --------------------------------------------
    page.goto(f"/{LANGUAGE}/applications/{application.reference}/check/")
    for _ in range(120):
        if tab(page) == "BUTTON" and submit_button_text(page) == zh("Submit the application"):
            break
    else:
        raise AssertionError("the submit button never got the focus")
    press_enter_and_wait(page)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.reference in page.locator("main").inner_text()


def test_a_factory_lodges_a_complaint_with_the_keyboard_only(page):
    provider(name_en="Green Tech Engineering Limited", name_zh="綠色科技工程有限公司")
    factory = factory_with_user("factory@example.hk")
    log_in(page, factory.users.get().email, PASSWORD, language=LANGUAGE)
    page.goto(f"/{LANGUAGE}/complaints/new/")

    # The provider by arrow key, no funded project, what happened typed, past the (optional) documents.
    tab_to(page, "id_organisation")
    page.keyboard.press("ArrowDown")
    assert page.locator("#id_organisation option:checked").inner_text() == "綠色科技工程有限公司"
    assert tab(page) == "id_funded_project"
    assert tab(page) == "id_description"
    page.keyboard.type("鍋爐熱回收系統安裝後三個月仍未完成調試。")
    assert tab(page) == "id_documents"
    tab(page)
    assert submit_button_text(page) == zh("Send the complaint")
    press_enter_and_wait(page)

    reference = page.locator("#case-reference").inner_text()
    assert re.fullmatch(r"CASE-\d{4}-\d{5}", reference)
    assert reference in page.locator("main .messages").inner_text()
    case = Case.objects.get(reference=reference)
    assert (case.status, case.factory) == (Case.Status.RECORDED, factory)
    assert case.description == "鍋爐熱回收系統安裝後三個月仍未完成調試。"
