"""Issue 10 §2, the layout every page shares (templates/base.html, static/css/portal.css):

- the §3.4.1 disclaimer on the pages the public, providers, applicants and factories read, and not
  repeated on the staff's and the committee's (the Secretariat's contact stays on every page);
- names held in the other language marked with it — Chinese on an English page `lang="zh-Hant"`, English
  on a Chinese page `lang="en"` (WCAG 3.1.2);
- every wide table a phone shows as stacked rows (`table.stack`) labels each cell with its column's heading
  (`data-label`), which portal.css shows above the cell.

The footer at the foot of a short page, and the width of each page on a phone, are measured in the browser
(tests/browser/test_phone.py).
"""

from html.parser import HTMLParser

import pytest

from tests.browser.test_phone import build_world

pytestmark = pytest.mark.django_db

DISCLAIMER = "no contractual, agency or similar relationship"
SECRETARIAT = "enquiry@cleanerproduction.hk"


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_world()


def page(client, user, path):
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(path)
    assert response.status_code in (200, 404), (path, response.status_code)
    return response.content.decode()


def with_disclaimer(world):
    organisation, case = world["provider"], world["case"]
    return {
        (None, "/en/"),
        (None, "/zh-hant/"),
        (None, "/en/accounts/login/"),
        (None, "/en/no-such-page/"),
        (None, "/en/directory/"),
        (None, f"/en/directory/{organisation.pk}/"),
        (world["owner"], "/en/directory/mine/"),
        (world["owner"], f"/en/directory/mine/{organisation.pk}/contact-change/"),
        (world["owner"], "/en/complaints/"),
        (world["owner"], f"/en/complaints/{case.reference}/"),
        (world["factory_user"], "/en/complaints/"),
        (world["factory_user"], "/en/complaints/new/"),
        (world["applicant"], "/en/applications/"),
        (world["applicant"], f"/en/applications/{world['draft'].reference}/check/"),
    }


def without_disclaimer(world):
    motion, sent, case = world["removal"], world["sent"].reference, world["case"].reference
    return {
        (world["pmc"], "/en/committee/"),
        (world["pmc"], "/zh-hant/committee/"),
        (world["pmc"], f"/en/committee/motions/{motion.pk}/"),
        (world["pmc"], f"/en/committee/motions/{motion.pk}/vote/?choice=for"),
        (world["pmc"], "/en/committee/my-votes/"),
        (world["pmc"], f"/en/applications/{sent}/papers/"),
        (world["pmc"], f"/en/complaints/{case}/papers/"),
        (world["staff"], f"/en/committee/motions/{motion.pk}/"),
    }


def test_the_disclaimer_is_on_public_provider_applicant_and_factory_pages_only(client, world):
    missing = [path for user, path in with_disclaimer(world) if 'id="disclaimer"' not in page(client, user, path)]
    repeated = [path for user, path in without_disclaimer(world) if 'id="disclaimer"' in page(client, user, path)]
    assert missing == [] and repeated == []
    for user, path in with_disclaimer(world) | without_disclaimer(world):
        assert SECRETARIAT in page(client, user, path), path


def test_the_disclaimer_is_in_the_pages_language(client, world):
    assert DISCLAIMER in page(client, world["owner"], "/en/directory/mine/")
    assert "沒有任何合同或中介或類似的關係" in page(client, world["owner"], "/zh-hant/directory/mine/")


# --- Names in the other language -------------------------------------------------------------------------


def test_chinese_names_on_english_pages_are_marked_zh_hant(client, world):
    name_zh, factory_zh = world["provider"].name_zh, "東莞明亮紡織及製衣廠有限公司"
    mine = page(client, world["owner"], "/en/directory/mine/")
    assert f'<small class="text-muted" lang="zh-Hant">{name_zh}</small>' in mine
    case = world["case"].reference
    detail = page(client, world["factory_user"], f"/en/complaints/{case}/")
    assert f'<span class="text-muted" lang="zh-Hant">{name_zh}</span>' in detail
    assert f'<span class="text-muted" lang="zh-Hant">{factory_zh}</span>' in detail
    paper = page(client, world["pmc"], f"/en/complaints/{case}/papers/")
    assert f'<span lang="zh-Hant">{name_zh}</span>' in paper and f'<span lang="zh-Hant">{factory_zh}</span>' in paper
    check = page(client, world["applicant"], f"/en/applications/{world['draft'].reference}/check/")
    assert '<dd class="col-sm-6" lang="zh-Hant">綠色科技有限公司</dd>' in check
    assert '<dd class="col-sm-6" lang="zh-Hant">觀塘示例道1號</dd>' in check


def test_english_names_on_chinese_pages_are_marked_en(client, world):
    provider = world["provider"]
    mine = page(client, world["owner"], "/zh-hant/directory/mine/")
    assert f'<small class="text-muted" lang="en">{provider.name_en}</small>' in mine
    assert f"<span>{provider.name_zh}</span>" in mine  # the page's own language: no mark
    detail = page(client, world["owner"], f"/zh-hans/complaints/{world['case'].reference}/")
    assert f'<span class="text-muted" lang="en">{provider.name_en}</span>' in detail
    check = page(client, world["applicant"], f"/zh-hant/applications/{world['draft'].reference}/check/")
    assert '<dd class="col-sm-6" lang="en">Green Tech Environmental Services Limited</dd>' in check


def test_a_name_held_only_in_english_is_marked_en_on_a_chinese_page(client, world):
    provider = world["provider"]
    provider.name_zh = ""
    provider.save()
    mine = page(client, world["owner"], "/zh-hant/directory/mine/")
    assert f'<span lang="en">{provider.name_en}</span>' in mine
    lists = page(client, world["factory_user"], "/zh-hant/complaints/")
    assert f'<span lang="en">{provider.name_en}</span>' in lists


# --- Stacked tables --------------------------------------------------------------------------------------


class StackedTables(HTMLParser):
    """Each `table.stack` of a page: its column headings and, for each body row, its cells' data-label
    (None when a cell has none)."""

    def __init__(self):
        super().__init__()
        self.tables, self.part, self.cell = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "stack" in (attrs.get("class") or "").split():
            self.tables.append({"headings": [], "rows": []})
            self.part = "table"
        elif not self.tables or self.part is None:
            return
        elif tag in ("thead", "tbody"):
            self.part = tag
        elif tag == "tr" and self.part == "tbody":
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td") and self.part == "thead":
            self.cell = []
        elif tag in ("th", "td") and self.part == "tbody":
            self.tables[-1]["rows"][-1].append(attrs.get("data-label"))

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.part == "thead" and self.cell is not None:
            self.tables[-1]["headings"].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.part = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def stacked(html):
    parser = StackedTables()
    parser.feed(html)
    return parser.tables


HIDDEN = {"Actions", "操作"}  # a heading read by screen readers only (the buttons of a row): no label shown


def test_each_cell_of_a_stacked_table_is_labelled_by_its_column_heading(client, world):
    organisation, draft = world["provider"], world["draft"].reference
    pages = [
        (world["owner"], "/en/directory/mine/"),
        (world["owner"], f"/en/directory/mine/{organisation.pk}/invitations/"),
        (world["owner"], "/en/complaints/"),
        (world["factory_user"], "/en/complaints/"),
        (world["applicant"], "/en/applications/"),
        (world["applicant"], f"/en/applications/{draft}/staff/"),
        (world["applicant"], f"/en/applications/{draft}/projects/"),
        (world["pmc"], "/en/committee/"),
        (world["pmc"], "/zh-hant/committee/"),
        (world["pmc"], "/en/committee/my-votes/"),
        (world["pmc"], f"/en/applications/{world['sent'].reference}/papers/"),
        (world["staff"], f"/en/committee/motions/{world['removal'].pk}/"),
    ]
    wrong, counted = [], 0
    for user, path in pages:
        tables = stacked(page(client, user, path))
        assert tables, f"no stacked table on {path}"
        for table in tables:
            for row in table["rows"]:
                if len(row) == 1 and len(table["headings"]) > 1:
                    continue  # "No votes yet." across every column
                expected = [("" if heading in HIDDEN else heading) for heading in table["headings"]]
                counted += len(row)
                if row != expected:
                    wrong.append((path, table["headings"], row))
    assert wrong == []
    assert counted > 100


def test_a_waiting_contact_change_is_a_stacked_table_too(client, world):
    from directory import services

    organisation = world["provider"]
    services.contact_change_request(
        organisation=organisation, user=world["owner"], details={**organisation.contact_details(), "email": "n@e.hk"}
    )
    [table] = stacked(page(client, world["owner"], f"/en/directory/mine/{organisation.pk}/contact-change/"))
    assert table["headings"] == ["Detail", "Now", "Asked for"]
    assert table["rows"] == [["Detail", "Now", "Asked for"]]
