"""Nobody sees or changes what is not theirs (issue 11 §2; docs/rules.md, "Roles and access"): every URL that
names an object — the portal's and the back office's — opened by every role, with GET and with POST, on the
demo's real objects, none of which is the role's own.

The URLs are walked, not listed. The portal's come from the URLconf (tests/core/test_url_auth.py's walk):
every route that takes an argument. The back office's come from the admin's registered models
(`admin.site._registry`): each ModelAdmin's own URLs (`get_urls()`: changelist, add, change, history, the
history form, delete, and every page it adds), and the admin site's routes that take an argument. A URL
added tomorrow is tried tomorrow; an argument this file cannot fill stops the test with the route's name
(add it to PK_MODELS or ADMIN_OBJECTS on purpose, rather than let a guessed value miss the view).

The roles: anonymous; the demo applicant (acting for its own organisations, not the objects below); the user
of a factory other than the demo factory that lodged every case; the PTST; the Programme Director; the PMC
member (the objects below are a draft motion, and an application and a case no motion was put on); the
Programme Management Team.

The rule — `expected()`, from docs/rules.md and cpp_registry/roles.py, never from the views themselves:

1. Public pages: anyone may GET; a POST changes nothing.
2. A party's pages — an application's sections, a case's own pages, an organisation's and a registration's
   "mine" pages, an invitation — are for that party only: everyone else is refused, the Secretariat
   included (staff work in the back office). No role here is the party, so every role is refused (deny by
   default: a new portal route is a party's page until classified otherwise in AREAS).
3. Papers and documents — an application or a case as submitted, an uploaded file — are for the Secretariat
   (staff holding the view permission on the record's model) and for a PMC member once a motion about the
   record is open or decided: none is here, so the PMC member is refused.
4. The committee area is for those who may view motions (PMC members, and staff with the permission); a
   draft is nobody's; a vote is a PMC member's; closing and carrying out are the Secretariat's, with the
   permission to change motions.
5. The back office is staff's only. A page opens to staff with the view or change permission on its model,
   an add page with the add permission. A POST may change something only for staff holding a permission
   on the model other than view; for one who may only view, a POST — to a change form, an action, a step —
   answers (403, or 200 with a form error) and changes nothing; a history form changes nothing, whoever
   posts it.

"Refused" is 403, 404, 405, or a redirect to the log-in page, to the second-factor set-up or to the back
office's log-in. A request the rule lets change something (rule 5, a member's vote, a close) runs in a
savepoint rolled back afterwards; every other request — every GET included — must change nothing, and that
is proved per role with a SHA-256 of every table of the database (rows sorted) before and after the role's
sweep, beside the row counts. A POST carries what the page's own form would send, read from the page as its
rightful user sees it (with a PDF in each file input), so that a refusal is a refusal of a real request.

The test fails listing every (url, role, method, status) that breaks the rule, and every table that changed.
"""

import datetime
import hashlib
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from applications import services as applications
from applications.models import Application
from applications.models import Attachment as ApplicationAttachment
from committee import services as committee
from committee.models import Motion
from complaints import services as complaints
from complaints.models import Attachment as CaseAttachment
from complaints.models import Case
from cpp_registry import documents
from cpp_registry.demo import APPLICANT_EMAIL, FACTORY_EMAIL
from directory import services as directory
from directory.models import Factory, Organisation, Registration
from tests.core.test_url_auth import ARGUMENTS, PUBLIC, WALKED

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
ROLES = {
    "anonymous": None,
    "applicant": APPLICANT_EMAIL,
    "factory": "other-factory@acl.example.hk",
    "ptst": "ptst@demo.etsp.hk",
    "director": "director@demo.etsp.hk",
    "pmc": "pmc@demo.etsp.hk",
    "pmt": "pmt@demo.etsp.hk",
}
SUPERUSER = "admin@demo.etsp.hk"
ALLOW, DENY, INERT = "allowed", "refused", "changes nothing"

# --- What changed: every table of the database --------------------------------------------------------------

# Written by any request of a logged-in user, or by logging in: not a record of the register.
NOT_HASHED = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}
# The tables the issue names; each must be among those hashed.
MUST_HASH = ("directory_", "applications_", "complaints_", "committee_", "core_notice", "core_deadline")


def _value(value):
    return bytes(value) if isinstance(value, memoryview) else value


def table_digests():
    """{table: (row count, SHA-256 of its rows sorted)} for every table but NOT_HASHED."""
    digests = {}
    with connection.cursor() as cursor:
        for table in sorted(set(connection.introspection.table_names()) - NOT_HASHED):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(tuple(_value(v) for v in row)) for row in cursor.fetchall())
            digests[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return digests


def changed_tables(before, after):
    return sorted(
        f"{table}: {before.get(table, (0, ''))[0]} → {after.get(table, (0, ''))[0]} rows"
        for table in set(before) | set(after)
        if before.get(table) != after.get(table)
    )


def test_the_digest_covers_the_tables_the_issue_names_and_sees_a_change():
    digests = table_digests()
    for prefix in MUST_HASH:
        assert any(table.startswith(prefix) for table in digests), prefix
    assert "django_fsm_log_statelog" in digests
    before = table_digests()
    organisation = Organisation.objects.create(name_en="Digest Ltd", br_number="77777777")
    assert "directory_organisation: 0 → 1 rows" in changed_tables(before, table_digests())
    middle = table_digests()
    Organisation.objects.filter(pk=organisation.pk).update(name_en="Changed Ltd")
    assert changed_tables(middle, table_digests()) == ["directory_organisation: 1 → 1 rows"]


# --- What a page's form would send ---------------------------------------------------------------------------


@dataclass
class HarvestedForm:
    action: str
    method: str
    fields: list = field(default_factory=list)  # [(name, value)]
    files: list = field(default_factory=list)  # [name]
    selects: dict = field(default_factory=dict)  # name -> [option values]
    boxes: dict = field(default_factory=dict)  # name -> the first box's or radio's value
    texts: set = field(default_factory=set)  # the names of text inputs and textareas


class _FormParser(HTMLParser):
    """The <form>s of a page with what each would send as it stands: text, hidden and other inputs with their
    values, ticked boxes and radios, each select's chosen options (else its first with a value), textareas;
    file inputs, and the first value of each group of boxes and radios, apart."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.form = None
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.form = HarvestedForm(action=a.get("action") or "", method=(a.get("method") or "get").lower())
            self.forms.append(self.form)
            return
        if self.form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                self.form.files.append(name)
            elif kind in ("checkbox", "radio"):
                self.form.boxes.setdefault(name, a.get("value", "on"))
                if "checked" in a:
                    self.form.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset"):
                self.form.fields.append((name, a.get("value") or ""))
                if kind == "text":
                    self.form.texts.add(name)
        elif tag == "select" and name:
            self.select = {"name": name, "multiple": "multiple" in a, "chosen": [], "options": []}
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            self.select["options"].append(value)
            if "selected" in a:
                self.select["chosen"].append(value)
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select" and self.select is not None:
            select, self.select = self.select, None
            if self.form is None:
                return
            first = [value for value in select["options"] if value][:1]
            chosen = select["chosen"] or ([] if select["multiple"] else first)
            self.form.fields += [(select["name"], value) for value in chosen]
            self.form.selects[select["name"]] = select["options"]
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.textarea = None
            if self.form is not None:
                self.form.fields.append((name, text.removeprefix("\n")))
                self.form.texts.add(name)


def page_forms(content):
    parser = _FormParser()
    parser.feed(content)
    return parser.forms


def posted_form(content, path):
    """The POST form of the page that sends to `path` (the page itself when its action is empty), or None."""
    for form in page_forms(content):
        action = urlsplit(html.unescape(form.action)).path
        if form.method == "post" and action in ("", path):
            return form
    return None


def pdf(name="acl-probe.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# Words a person typed (not a date, a number, an address or a link): changed, so that a request that got
# through would change what it names.
WORDS = re.compile(r"^(?!.*(?:://|@))(?=.*[^\W\d_]).+$", re.S)


def form_data(form, extra=None):
    """What the form sends (several values of a name as a list) with its words changed and, for a group of
    boxes or radios none of which is ticked, its first ticked (a delete box too); each file input with a PDF;
    `extra` where the form sends nothing of that name."""
    data = {}
    for name, value in form.fields if form else []:
        if name in form.texts and WORDS.match(value):
            value = f"{value} (ACL probe)"
        data.setdefault(name, []).append(value)
    for name, value in form.boxes.items() if form else []:
        data.setdefault(name, [value])  # a group of boxes or radios none of which is ticked: its first
    data = {name: values[0] if len(values) == 1 else values for name, values in data.items()}
    for name in form.files if form else []:
        data[name] = pdf()
    for name, value in (extra or {}).items():
        data.setdefault(name, value)
    return data


# --- The objects: the demo's, none of them the role's own -----------------------------------------------------


@dataclass
class World:
    users: dict
    application: Application  # another organisation's, waiting for its answer to the Secretariat's question
    draft: Application  # another organisation's draft, with a member of staff and a project record
    own_application: Application  # the demo applicant's own draft
    case: Case
    organisation: Organisation
    owner: object  # a user acting for `organisation`
    registration: Registration
    invitation: object
    draft_motion: Motion
    open_motion: Motion
    documents: dict  # holder's model label -> a file name it holds


STAFF = {"name": "Wong Ka Yan", "position": "Consultant", "years": 3, "months": 0, "fields": ["energy"]}
PROJECT = {
    "title": "Energy audit",
    "client_company": "Kwun Tong Dyeing Ltd",
    "client_contact": "Lee Siu Ming",
    "client_phone": "+85229876543",
    "client_email": "",
    "started_on": datetime.date(2024, 1, 15),
    "ended_on": datetime.date(2024, 6, 30),
    "kind": "consultancy",
    "completed": True,
    "areas": "c",
}


def build_world():
    """The demo (`manage.py seed_demo`), and what it lacks to name every kind of object, made through the
    services: a second factory with its user, a user acting for the organisation complained about and its
    draft application, a draft motion with a paper's document, an invitation, a document in an
    application's conversation and one in a case's."""
    call_command("seed_demo", verbosity=0)
    User = get_user_model()
    pmt = User.objects.get(email=ROLES["pmt"])
    applicant = User.objects.get(email=APPLICANT_EMAIL)
    own = Organisation.objects.filter(users=applicant)

    other_factory = Factory.objects.create(
        name_en="Other Factory Ltd", name_zh="其他工廠", region=Factory.Region.HONG_KONG
    )
    other_factory.users.add(User.objects.create_user(email=ROLES["factory"], password=None, full_name="Other factory"))

    def no_motion(model, queryset):
        moved = Motion.objects.filter(subject_type=ContentType.objects.get_for_model(model)).values("subject_id")
        return queryset.exclude(pk__in=moved).exclude(organisation__in=own).order_by("pk").first()

    foreign = Application.objects.exclude(organisation=None)
    application = no_motion(Application, foreign.filter(status=Application.Status.AWAITING_INFORMATION))
    answered = no_motion(Application, foreign.filter(status=Application.Status.SUBMITTED))
    applications.application_ask_for_information(application=answered, actor=pmt, text="Send the contract.")
    applications.application_answer(
        application=answered, user=answered.organisation.users.get(), text="Attached.", documents=[pdf("deed.pdf")]
    )

    demo_factory = Factory.objects.get(users__email=FACTORY_EMAIL)
    case = no_motion(Case, Case.objects.filter(factory=demo_factory))
    complaints.case_message(
        case=case, author=pmt, text="For the factory.", to_factory=True, documents=[pdf("letter.pdf")]
    )

    organisation = case.organisation
    owner = User.objects.create_user(email="owner@acl.example.hk", password=None, full_name="Owner")
    organisation.users.add(owner)
    invitation = directory.invitation_create(organisation=organisation, inviter=owner, email="colleague@acl.example.hk")
    draft = applications.application_start(user=owner, organisation=organisation)
    applications.staff_member_save(application=draft, user=owner, data=STAFF, proof=pdf("cv.pdf"))
    applications.project_record_save(application=draft, user=owner, data=PROJECT, document=pdf("contract.pdf"))

    motion = committee.motion_create(
        kind=Motion.Kind.WARNING,
        subject=organisation,
        actor=pmt,
        question_en="Should the PMC support a warning (a draft, not yet put to the members)?",
        papers=[{"title_en": "Draft investigation report", "title_zh": "調查報告擬稿", "link": ""}],
    )
    paper = motion.papers.get()
    paper.document.save("draft-report.pdf", ContentFile(PDF))

    holders = {
        "applications.application": application.code_of_conduct_file.name,
        "applications.staffmember": application.staff.order_by("pk").first().proof.name,
        "applications.projectrecord": application.projects.order_by("pk").first().document.name,
        "applications.attachment": ApplicationAttachment.objects.get(message__application=answered).file.name,
        "directory.organisation": Organisation.objects.exclude(pk__in=own)
        .exclude(code_of_conduct_file="")
        .order_by("pk")
        .first()
        .code_of_conduct_file.name,
        "committee.paper": paper.document.name,
        "complaints.attachment": CaseAttachment.objects.get(message__case=case).file.name,
    }
    return World(
        users={role: User.objects.get(email=email) if email else None for role, email in ROLES.items()},
        application=application,
        draft=Application.objects.get(pk=draft.pk),
        own_application=Application.objects.filter(organisation__in=own, status=Application.Status.DRAFT).first(),
        case=case,
        organisation=organisation,
        owner=owner,
        registration=Registration.objects.live().filter(organisation=organisation).first(),
        invitation=invitation,
        draft_motion=motion,
        open_motion=Motion.objects.filter(status=Motion.Status.OPEN).order_by("pk").first(),
        documents=holders,
    )


# --- The URLs -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Url:
    path: str
    name: str
    area: str  # public, party, paper, document, committee, admin, admin_site
    model: str = ""  # "app_label.model_name" whose permissions decide (paper, document, admin)
    kind: str = ""  # admin: changelist, add, change, history, history_form, delete, or the page's own name
    tags: frozenset = frozenset()
    harvest_as: str = ""  # whose page the POST's data is read from


# `pk` names something different on each route: the object each view looks it up as. A new route with a
# <pk> stops the test until it is added here.
PK_MODELS = {
    "directory:detail": "organisation",
    "directory:contact_change_create": "organisation",
    "directory:invitation_create": "organisation",
    "directory:registration_withdraw": "registration",
    "directory:invitation_withdraw": "invitation",
    "committee:detail": "motion",
    "committee:vote": "motion",
    "committee:close": "motion",
    "committee:carry_out": "motion",
    "committee:paper": "paper",
    "applications:staff_edit": "staff_member",
    "applications:staff_remove": "staff_member",
    "applications:project_edit": "project",
    "applications:project_remove": "project",
}
# Portal routes that are not a party's own pages (rule 2 is the default); the model of a paper is the
# record whose view permission opens it to the Secretariat.
AREAS = {
    "applications:paper": ("paper", "applications.application"),
    "complaints:paper": ("paper", "complaints.case"),
    "document": ("document", ""),
    **{name: ("committee", "committee.motion") for name in PK_MODELS if name.startswith("committee:")},
}
# The admin's object for each model, when the first one is not the one to try; one URL per object.
ADMIN_OBJECTS = {
    "core.user": lambda w: [w.users["applicant"].pk],
    "applications.application": lambda w: [w.application.pk],
    "complaints.case": lambda w: [w.case.pk],
    "committee.motion": lambda w: [w.draft_motion.pk, w.open_motion.pk],
    "directory.organisation": lambda w: [w.organisation.pk],
}
# The admin site's own routes that take an argument (not a model's).
ADMIN_SITE = {"admin:app_list", "admin:view_on_site", None}


def _route_arguments(pattern):
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return list(pattern.regex.groupindex) or [f"#{i}" for i in range(pattern.regex.groups)]
    return []


def _portal_values(world, name, argument):
    """[(value, tags)] for one argument of one portal route."""
    pk_objects = {
        "organisation": [(world.organisation.pk, ())],
        "registration": [(world.registration.pk, ())],
        "invitation": [(world.invitation.pk, ())],
        "motion": [(world.draft_motion.pk, ("draft",)), (world.open_motion.pk, ("open",))],
        "paper": [(world.draft_motion.papers.get().pk, ("draft",)), (world.open_motion.papers.first().pk, ("open",))],
        "staff_member": [(world.draft.staff.get().pk, ())],
        "project": [(world.draft.projects.get().pk, ())],
    }
    if argument == "pk":
        if name not in PK_MODELS:
            raise LookupError(f"{name}: which object does its <pk> name? Add the route to PK_MODELS")
        return pk_objects[PK_MODELS[name]]
    if argument == "reference":
        own = (world.own_application.reference, ("own_reference",))
        return [(world.draft.reference, ()), (world.application.reference, ()), own]
    if argument == "case_ref":
        return [(world.case.reference, ())]
    if argument == "token":
        return [(world.invitation.token, ())]
    if argument == "name":
        missing = {h.model._meta.label_lower for h in documents._HOLDERS} - set(world.documents)
        assert not missing, f"no document of {missing}: add one to build_world()"
        return [(file_name, (f"holder:{label}",)) for label, file_name in sorted(world.documents.items())]
    if argument in ("key", "uidb36") and name in PUBLIC:
        return [(ARGUMENTS[argument], ())]  # allauth's secret links: public pages, no object of ours
    raise LookupError(f"{name}: no value for <{argument}>; add one to _portal_values")


def _portal_urls(world):
    urls = []
    for _path, name, pattern in WALKED:
        if "/admin/" in _path:
            continue
        arguments = _route_arguments(pattern.pattern)
        if not arguments:
            continue
        combinations = [({}, ())]
        for argument in arguments:
            combinations = [
                ({**kwargs, argument: value}, (*tags, *more))
                for kwargs, tags in combinations
                for value, more in _portal_values(world, name, argument)
            ]
        for kwargs, tags in combinations:
            if "own_reference" in tags and "pk" not in kwargs:
                continue  # the applicant's own application alone is its own: only a foreign record in it is tried
            if name in PUBLIC:
                area, model = "public", ""
            else:
                area, model = AREAS.get(name, ("party", ""))
            if area == "document":
                model = next(t for t in tags if t.startswith("holder:")).removeprefix("holder:")
            urls.append(Url(reverse(name, kwargs=kwargs), name, area, model, tags=frozenset(tags)))
    return urls


def _admin_kind(name, model):
    prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
    kind = (name or "").removeprefix(prefix)
    return {"simple_history": "history_form", "": "redirect"}.get(kind, kind)


def _admin_urls(world):
    urls = []
    index = reverse("admin:index")
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        base = f"{index}{model._meta.app_label}/{model._meta.model_name}/"
        if label in ADMIN_OBJECTS:
            objects = ADMIN_OBJECTS[label](world)
        else:
            objects = [model._default_manager.order_by("pk").values_list("pk", flat=True).first() or 1]
        transitions = getattr(model_admin, "SERVICES", None) or getattr(model_admin, "STEPS", None) or ()
        for pattern in model_admin.get_urls():
            assert isinstance(pattern, URLPattern), f"{label}: nested admin URLs are not walked"
            arguments = _route_arguments(pattern.pattern)
            route = str(pattern.pattern)
            for pk in objects if arguments else [None]:
                fills = [{}]
                for argument in arguments:
                    if argument in ("object_id", "id", "#0"):
                        fills = [{**f, argument: str(pk)} for f in fills]
                    elif argument == "#1":  # django-simple-history: a past version of that object
                        record = model.history.filter(pk=pk).order_by("history_id").first()
                        fills = [{**f, argument: str(record.history_id if record else 1)} for f in fills]
                    elif argument == "transition_name":
                        assert transitions, f"{label}: which transitions has {route}?"
                        fills = [{**f, argument: t} for t in transitions for f in fills]
                    else:
                        raise LookupError(f"{label} {route}: no value for <{argument}>; add one to _admin_urls")
                for fill in fills:
                    if isinstance(pattern.pattern, RoutePattern):
                        tail = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, f=fill: f[m.group(1)], route)
                    else:
                        values = iter(fill[f"#{i}"] for i in range(len(fill)))
                        tail = re.sub(r"\((?!\?)[^)]*\)", lambda _m, v=values: next(v), route)
                        tail = tail.removeprefix("^").removesuffix("$")
                    name = f"admin:{pattern.name}" if pattern.name else f"admin:{label}:{route}"
                    urls.append(
                        Url(base + tail, name, "admin", label, _admin_kind(pattern.name, model), harvest_as=SUPERUSER)
                    )
    organisation_type = ContentType.objects.get_for_model(Organisation)
    site = [
        (reverse("admin:app_list", args=["directory"]), "admin:app_list"),
        (reverse("admin:view_on_site", args=[organisation_type.pk, world.organisation.pk]), "admin:view_on_site"),
        (f"{index}no-such-page/", None),
    ]
    urls += [Url(path, name or "admin:catch_all", "admin_site", harvest_as=SUPERUSER) for path, name in site]
    return urls


def _harvester(url, world):
    if url.area in ("admin", "admin_site"):
        return SUPERUSER
    if url.name.startswith("applications:"):
        reference = url.path.split("/")[3]
        if reference == world.application.reference:
            return world.application.organisation.users.get().email
        return world.owner.email
    if url.name.startswith("complaints:"):
        return FACTORY_EMAIL
    if url.name.startswith("directory:"):
        return world.owner.email
    if url.name == "committee:vote":
        return ROLES["pmc"]
    if url.name.startswith("committee:"):
        return ROLES["pmt"]
    return ""


def all_urls(world):
    urls = _portal_urls(world) + _admin_urls(world)
    return [Url(u.path, u.name, u.area, u.model, u.kind, u.tags, u.harvest_as or _harvester(u, world)) for u in urls]


# --- The rule -------------------------------------------------------------------------------------------------


def _perms_on(user, label):
    """The user's permission codenames on one model (its content type's), view_ apart."""
    app_label, model_name = label.split(".")
    codenames = Permission.objects.filter(
        content_type__app_label=app_label, content_type__model=model_name
    ).values_list("codename", flat=True)
    held = {c for c in codenames if user.has_perm(f"{app_label}.{c}")}
    return held


def expected(role, user, url, method):
    """ALLOW (may change something; a POST runs in a rolled-back savepoint), DENY (refused, changes nothing)
    or INERT (any answer but a 500, changes nothing) — rules 1 to 5 of the module's docstring."""
    staff = user is not None and user.is_staff
    if url.area == "public":
        return ALLOW if method == "GET" else INERT
    if url.area == "party":
        return DENY
    if url.area in ("paper", "document"):
        app_label, model_name = url.model.split(".")
        if staff and user.has_perm(f"{app_label}.view_{model_name}"):
            return ALLOW if method == "GET" else INERT
        return DENY
    if url.area == "committee":
        if user is None or not user.has_perm("committee.view_motion") or "draft" in url.tags:
            return DENY
        if url.name == "committee:vote":
            return ALLOW if role == "pmc" else DENY
        if url.name in ("committee:close", "committee:carry_out"):
            return ALLOW if method == "POST" and staff and user.has_perm("committee.change_motion") else DENY
        return ALLOW if method == "GET" else INERT
    if not staff:
        return DENY
    if url.area == "admin_site" or url.kind == "redirect":
        return ALLOW if method == "GET" else INERT  # the index of an app, a redirect to an object's page
    held = _perms_on(user, url.model)
    app_label, model_name = url.model.split(".")
    may_view = bool(held & {f"view_{model_name}", f"change_{model_name}"})
    if method == "GET":
        if url.kind == "add":
            return ALLOW if f"add_{model_name}" in held else DENY
        return ALLOW if may_view else DENY
    if url.kind == "history_form":
        return INERT if may_view else DENY
    if held - {f"view_{model_name}"}:
        return ALLOW
    return INERT if may_view else DENY


REFUSAL_TARGETS = ("account_login", "admin:login", "mfa_activate_totp", "admin:index")


def refused(response):
    """403, 404, 405, or a redirect to log in (the portal's, the back office's, the second factor's) — or, in
    the back office, Django's own answer for an object that does not exist: back to its index."""
    if response.status_code in (403, 404, 405):
        return True
    if response.status_code in (301, 302):
        target = urlsplit(response["Location"]).path
        return target in {reverse(name) for name in REFUSAL_TARGETS}
    return False


# --- The sweep ----------------------------------------------------------------------------------------------

# Added to every POST when the page's form does not send them: what a vote, a confirmation, a refusal or an
# admin action would carry.
EXTRA = {"choice": "for", "expected": "", "post": "yes", "reason": "ACL probe", "text": "ACL probe"}
EXTRA |= {"confirm": "on", "done": "on", "acknowledge": "on", "decision": "approve"}


def harvest(urls):
    """What each URL's form sends, read as its rightful user (the superuser in the back office) from the pages
    of every URL: {the path a form posts to: HarvestedForm}. A form may live on another page than the one
    it posts to (a case's message form is on the case's page)."""
    forms = {}
    clients = {}
    User = get_user_model()
    for url in urls:
        if not url.harvest_as:
            continue
        if url.harvest_as not in clients:
            clients[url.harvest_as] = Client(raise_request_exception=False)
            clients[url.harvest_as].force_login(User.objects.get(email=url.harvest_as))
        response = clients[url.harvest_as].get(url.path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in page_forms(response.content.decode(errors="replace")):
            if form.method != "post":
                continue
            action = urlsplit(urljoin(url.path, html.unescape(form.action))).path
            if url.area == "admin" and url.kind == "changelist" and "action" in form.selects:
                actions = [a for a in form.selects["action"] if a]
                form.fields = [(n, v) for n, v in form.fields if n != "action"]
                form.fields += [("action", actions[0] if actions else ""), ("_selected_action", str(_first_pk(url)))]
            forms.setdefault(action, form)
    return forms


def _first_pk(url):
    app_label, model_name = url.model.split(".")
    model = ContentType.objects.get_by_natural_key(app_label, model_name).model_class()
    return model._default_manager.order_by("pk").values_list("pk", flat=True).first() or 1


class WriteLog:
    """The SQL statements that write, per request (for the failure message: which request changed a table)."""

    def __init__(self):
        self.current = None
        self.writes = []

    def __call__(self, execute, sql, params, many, context):
        if self.current and re.match(r"\s*(INSERT|UPDATE|DELETE)\b", sql, re.I) and "django_session" not in sql:
            self.writes.append((self.current, sql.split("(")[0][:80]))
        return execute(sql, params, many, context)


def logged_in(user):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def sweep(role, client, world, urls, forms, log):
    """Every URL with GET and POST as this role; returns the breaches [(url, role, method, status, why)]."""
    user = world.users[role]
    breaches = []
    for url in urls:
        if url.name in ("account_logout", "admin:logout"):
            continue
        for method in ("GET", "POST"):
            rule = expected(role, user, url, method)
            log.current = None if rule == ALLOW and method == "POST" else (url.path, method)
            if method == "GET":
                response = client.get(url.path)
            elif rule == ALLOW:
                with transaction.atomic():
                    response = client.post(url.path, form_data(forms.get(url.path), EXTRA))
                    transaction.set_rollback(True)
            else:
                response = client.post(url.path, form_data(forms.get(url.path), EXTRA))
            status = response.status_code
            where = f"{response.get('Location', '')}" if status in (301, 302) else ""
            if status >= 500:
                breaches.append((url.path, role, method, status, f"a server error ({rule})"))
            elif rule == DENY and not refused(response):
                breaches.append((url.path, role, method, status, f"should be refused {where}".rstrip()))
    log.current = None
    return breaches


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    return build_world()


def test_every_url_that_names_an_object_refuses_every_role_it_is_not_for_and_changes_nothing(world):
    urls = all_urls(world)
    names = {u.name for u in urls}
    assert {"applications:staff_edit", "complaints:answer", "committee:vote", "document"} <= names
    assert {"admin:directory_organisation_change", "admin:complaints_case_findings"} <= names
    assert {"admin:committee_motion_close", "admin:directory_organisation_simple_history"} <= names
    forms = harvest(urls)
    log = WriteLog()
    breaches, changes = [], []
    clients = {role: logged_in(user) for role, user in world.users.items()}  # logging in writes last_login
    with connection.execute_wrapper(log):
        before = table_digests()
        for role, client in clients.items():
            breaches += sweep(role, client, world, urls, forms, log)
            after = table_digests()
            changed = changed_tables(before, after)
            if changed:
                writers = sorted({f"{path} {method}: {sql}" for (path, method), sql in log.writes})
                changes.append(f"{role} changed {changed}; the requests that wrote: {writers}")
            log.writes.clear()
            before = after
    report = [f"{path} {role} {method} {status}: {why}" for path, role, method, status, why in breaches]
    total = len(urls) * len(ROLES) * 2
    assert not (report or changes), f"{len(report)} of {total} requests break the rule:\n" + "\n".join(report + changes)


def test_the_sweep_sees_a_leak_and_a_change(world, monkeypatch):
    """The matrix can fail. Break two doors — members shown a draft motion, and another organisation's
    contact details open to whoever asks — and the sweep lists both, and the digest sees the request made."""
    from committee.models import MotionQuerySet
    from directory import selectors

    monkeypatch.setattr(MotionQuerySet, "not_draft", lambda self: self.all())
    monkeypatch.setattr(selectors, "organisation_of", lambda *, user, pk: Organisation.objects.get(pk=pk))
    urls = [u for u in all_urls(world) if u.name in ("committee:detail", "directory:contact_change_create")]
    forms = harvest(urls)
    log = WriteLog()
    breaches = set()
    clients = {role: logged_in(world.users[role]) for role in ("pmc", "applicant")}
    with connection.execute_wrapper(log):
        before = table_digests()
        for role, client in clients.items():
            found = sweep(role, client, world, urls, forms, log)
            breaches |= {(path, role, method) for path, role, method, _status, _why in found}
        changed = changed_tables(before, table_digests())
    draft = reverse("committee:detail", args=[world.draft_motion.pk])
    contact = reverse("directory:contact_change_create", args=[world.organisation.pk])
    assert {(draft, "pmc", "GET"), (contact, "applicant", "GET"), (contact, "applicant", "POST")} <= breaches
    assert any(table.startswith("directory_contactchangerequest:") for table in changed), changed
    assert any(path == contact and method == "POST" for (path, method), _sql in log.writes)
