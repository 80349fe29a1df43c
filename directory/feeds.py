"""The register's changes (issue 10 §1): every grant, confirmation, expiry, cancellation as substandard,
withdrawal and removal, newest first — as a page (directory.views.register_changes) and as an Atom feed
(RegisterChangesFeed, Django's syndication framework), in each language.

Both read `directory.selectors.register_changes` (one query) and show only what the directory publishes
already: the date, the registration number, the provider's name, the category and what happened — never
who made the change nor the reason staff wrote.
"""

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import selectors
from .models import Category
from .text import colon, in_page_script, is_chinese

HONG_KONG = ZoneInfo("Asia/Hong_Kong")
FEED_SIZE = 50

# What happened, by transition (directory.selectors.REGISTER_CHANGES).
WHAT_HAPPENED = {
    "grant": gettext_lazy("Granted a provisional registration (§3.3.1)"),
    "confirm": gettext_lazy("Confirmed (§3.3.2)"),
    "expire": gettext_lazy("Cancelled: the 24 months ended without confirmation (§3.3.3)"),
    "cancel_substandard": gettext_lazy("Cancelled as substandard (§3.3.4)"),
    "withdraw": gettext_lazy("Withdrawn at the provider's written request (§5.2.4)"),
    "remove": gettext_lazy("Removed on the decision of the Project Management Committee (§6.3)"),
}


def change_entries(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The selector's rows as the page and the feed show them, in the page's language and script."""
    categories = dict(Category.choices)
    chinese = is_chinese()
    entries = []
    for row in rows:
        name = (row["name_zh"] or row["name_en"]) if chinese else (row["name_en"] or row["name_zh"])
        other = row["name_en"] if name == row["name_zh"] else row["name_zh"]
        when = row["timestamp"].astimezone(HONG_KONG)
        entries.append(
            {
                "id": row["id"],
                "timestamp": row["timestamp"],
                "date": when.date().isoformat(),
                "number": row["number"] or "",
                "name": in_page_script(name),
                "other": in_page_script(other) if other != name else "",
                "category": str(categories.get(row["category"], row["category"] or "")),
                "transition": row["transition"],
                "what": str(WHAT_HAPPENED[row["transition"]]),
            }
        )
    return entries


class RegisterChangesFeed(Feed):
    """/<lang>/directory/changes.atom: the newest FEED_SIZE changes of the register."""

    feed_type = Atom1Feed

    def title(self) -> str:
        return _("Changes to the register of Environmental Technology Service Providers")

    def subtitle(self) -> str:
        return _(
            "Every grant, confirmation, expiry, cancellation, withdrawal and removal of a registration, newest first."
        )

    def link(self) -> str:
        return reverse("directory:changes")

    def feed_url(self) -> str:
        return reverse("directory:changes_feed")

    def items(self) -> list[dict[str, Any]]:
        return change_entries(selectors.register_changes(size=FEED_SIZE)[:FEED_SIZE])

    def item_title(self, item: dict[str, Any]) -> str:
        return f"{item['number']} {item['name']}{colon()}{item['what']}"

    def item_description(self, item: dict[str, Any]) -> str:
        return _("%(date)s: %(number)s, %(name)s, %(category)s — %(what)s") % item

    def item_link(self, item: dict[str, Any]) -> str:
        return f"{reverse('directory:changes')}#change-{item['id']}"

    def item_pubdate(self, item: dict[str, Any]) -> datetime.datetime:
        return item["timestamp"]

    def item_updateddate(self, item: dict[str, Any]) -> datetime.datetime:
        return item["timestamp"]
