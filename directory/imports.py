"""Import of the existing register (§3.2.1: existing registrations stay valid). Columns: docs/directory.md.

Every row is checked first; one bad row (reported with its line number and the reason) stops the whole
import and nothing is written. The writes then go through the same services as the back office.
"""

import csv
import datetime
from dataclasses import dataclass, field

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpp_registry import workdays

from . import services
from .models import CONTACT_FIELDS, Category, District, Organisation, Registration

REQUIRED = ["name_en", "br_number", "category", "status", "granted_on"]
COLUMNS = [
    "name_en",
    "name_zh",
    "br_number",
    *CONTACT_FIELDS,  # §5.1.1 (a), in the order the schema documents
    "category",
    "status",
    "granted_on",
    "confirmed_on",
]
ORGANISATION_FIELDS = [c for c in COLUMNS if c not in ("category", "status", "granted_on", "confirmed_on")]
STATUSES = (Registration.Status.PROVISIONAL, Registration.Status.CONFIRMED)


class ImportError_(Exception):
    """The file cannot be imported; `errors` lists (line, reason)."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(f"line {line}: {reason}" for line, reason in errors))


class OrganisationRowForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ORGANISATION_FIELDS


@dataclass
class Plan:
    organisations_new: list = field(default_factory=list)  # (line, cleaned organisation fields)
    registrations: list = field(default_factory=list)  # (line, br_number, category, status, granted, confirmed)

    def summary(self):
        provisional = sum(1 for r in self.registrations if r[3] == Registration.Status.PROVISIONAL)
        return _("%(orgs)d new organisation(s); %(regs)d registration(s): %(p)d provisional, %(c)d confirmed.") % {
            "orgs": len(self.organisations_new),
            "regs": len(self.registrations),
            "p": provisional,
            "c": len(self.registrations) - provisional,
        }


def _date(value, name):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            _("%(name)s %(value)r is not a date written YYYY-MM-DD.") % {"name": name, "value": value}
        ) from None


def _read(handle):
    reader = csv.DictReader(handle)
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        reasons = []
        if missing:
            reasons.append(_("missing column(s): %(cols)s") % {"cols": ", ".join(missing)})
        if unknown:
            reasons.append(_("unknown column(s): %(cols)s") % {"cols": ", ".join(unknown)})
        raise ImportError_([(1, "; ".join(reasons))])
    reader.fieldnames = header
    for row in reader:
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k in COLUMNS}


def plan_import(handle, *, today=None):
    """Check every row; return the Plan or raise ImportError_ listing every bad row."""
    today = today or timezone.localdate()
    plan, errors = Plan(), []
    seen_orgs = {}  # br_number → (line, cleaned fields)
    seen_pairs = set()
    existing = {o.br_number: o for o in Organisation.objects.all()}
    live = set(Registration.objects.live().values_list("organisation__br_number", "category"))
    districts = set(District.values)
    by_label = {str(d.label).lower(): d.value for d in District}
    for line, row in _read(handle):
        try:
            br = row.get("br_number", "")
            if row.get("district"):
                row["district"] = by_label.get(row["district"].lower(), row["district"])
                if row["district"] not in districts:
                    raise ValueError(_("district %(value)r is not a Hong Kong district.") % {"value": row["district"]})
            if br in existing:
                organisation_fields = None
            elif br in seen_orgs:
                first_line, first = seen_orgs[br]
                if row.get("name_en") != first["name_en"]:
                    raise ValueError(
                        _("BR number %(br)s is on line %(line)d with another name.") % {"br": br, "line": first_line}
                    )
                organisation_fields = None
            else:
                form = OrganisationRowForm(data={k: row.get(k, "") for k in ORGANISATION_FIELDS})
                if not form.is_valid():
                    raise ValueError("; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in form.errors.items()))
                organisation_fields = {k: row.get(k, "") for k in ORGANISATION_FIELDS}
                seen_orgs[br] = (line, organisation_fields)
            category = row.get("category", "")
            if category not in Category.values:
                raise ValueError(_("category %(value)r must be 1 or 2.") % {"value": category})
            status = row.get("status", "").lower()
            if status not in STATUSES:
                raise ValueError(_("status %(value)r must be provisional or confirmed.") % {"value": status})
            granted = _date(row.get("granted_on", ""), "granted_on")
            if granted > today:
                raise ValueError(_("granted_on %(date)s is in the future.") % {"date": granted.isoformat()})
            confirmed = None
            if status == Registration.Status.CONFIRMED:
                confirmed = _date(row["confirmed_on"], "confirmed_on") if row.get("confirmed_on") else granted
                if confirmed < granted:
                    raise ValueError(_("confirmed_on is before granted_on."))
            elif row.get("confirmed_on"):
                raise ValueError(_("a provisional registration has no confirmed_on."))
            if status == Registration.Status.PROVISIONAL and workdays.provisional_valid_until(granted) < today:
                raise ValueError(
                    _(
                        "the provisional registration granted on %(granted)s ended on %(until)s (§3.3.1); "
                        "import it as confirmed if it was confirmed, or leave it out."
                    )
                    % {"granted": granted.isoformat(), "until": workdays.provisional_valid_until(granted).isoformat()}
                )
            if (br, category) in seen_pairs or (br, category) in live:
                raise ValueError(
                    _("BR number %(br)s already holds a live registration in category %(category)s.")
                    % {"br": br, "category": category}
                )
        except ValueError as exc:
            errors.append((line, str(exc)))
            continue
        seen_pairs.add((br, category))
        if organisation_fields is not None:
            plan.organisations_new.append((line, organisation_fields))
        plan.registrations.append((line, br, category, status, granted, confirmed))
    if errors:
        raise ImportError_(errors)
    return plan


@transaction.atomic
def run_import(plan, *, actor=None):
    """Write the plan: organisations, then each registration granted (and confirmed) through the services,
    without notices — these providers are already registered (§3.2.1)."""
    by_br = {o.br_number: o for o in Organisation.objects.all()}
    for _line, values in plan.organisations_new:
        form = OrganisationRowForm(data=values)
        form.is_valid()
        organisation = form.save(commit=False)
        organisation._history_user = actor
        organisation.save()
        by_br[organisation.br_number] = organisation
    reason = _("Imported from the existing register (§3.2.1).")
    for _line, br, category, status, granted, confirmed in plan.registrations:
        registration = services.registration_grant(
            organisation=by_br[br], category=category, actor=actor, granted_on=granted, reason=reason, imported=True
        )
        if status == Registration.Status.CONFIRMED:
            services.registration_import_confirmed(registration=registration, actor=actor, on=confirmed, reason=reason)
    return plan
