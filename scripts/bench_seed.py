"""Seeders of `make bench` beyond the directory (issue 11 §4): Annex A applications, complaint and
substandard-service cases, and the two users the timed pages are asked as.

bench.py's `seed_directory` makes the organisations; these fill in what the back office and the applicant
read over them, so that the changelists, the staff dashboard and the applicant dashboard are timed over tens
of thousands of rows, not the handful the tests make:

- `seed_applications(n)`: applications spread over the organisations, in every state (draft, submitted,
  answered, awaiting information, reported to the PMC, approved, accepted, refused, withdrawn), with what the
  back office reads beside them: the processing clock (`core.Deadline`) with its events, the conversation
  (`applications.Message`), the criteria check as stored at submission (computed by `applications.criteria`),
  the answers as submitted, and the staff and project records of Annex A.
- `seed_cases(n)`: cases spread over the same organisations in every stage of §6, complaints from factories
  made for the purpose and substandard-service cases on the directory's funded projects, with their clocks
  (the 2-working-day notice, the one-month report) and the conversation's main messages.
- `bench_users()`: an applicant acting for an organisation with applications, and a member of the Programme
  Management Team with an authenticator app (staff must sign in with a second factor, cpp_registry/mfa.py).

How: never through the services, whose one-row-at-a-time transitions, notices and history would take
minutes for 70,000 rows; nor through `bulk_create`, whose preparation of every value of every field took
most of a minute on its own. Rows are built as dicts of column values and written with PostgreSQL's COPY
(`_copy`), the child rows with INSERT … SELECT. Keys are taken from each table's sequence first
(`_reserve_ids`), so that references, documents' paths and child rows are known before anything is written,
and `created_at` (auto_now_add, which bulk_create would stamp "now") is written as it would have been.

What makes the rows valid is reproduced:

- references as the services give them (APP-/CASE-year-number: the year of creation in Hong Kong, the number
  the primary key), made by the services' own `_reference` functions;
- the services' rules where no constraint of the database holds them: one live application per organisation
  and category, and none in a category the organisation holds a live registration in
  (drafting.live_conflicts); the criteria check stored at submission is the real check of the staff and
  project records seeded with it; a warning is proposed for an organisation's first substantiated case and
  removal after (services.proposed_penalty); a substandard case only on a funded project of its provider;
- one open clock per subject and kind (a partial unique index), due days from the working-day calendar.

Left out, as no timed page reads them: the history tables (django-simple-history), the transition log
(django-fsm-log), the PMC motions of referred applications and of cases before the PMC, documents on disk
(the file columns name files that do not exist) and notices.

Django's models are imported inside the functions: bench.py calls django.setup() only after it has made
the database.
"""

import datetime
import itertools
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

DOMAIN = "bench.example.hk"
PASSWORD = "bench-Passw0rd-2026"
STAFF_EMAIL = f"pmt@{DOMAIN}"
APPLICANT_EMAIL = f"applicant@{DOMAIN}"
FACTORIES = 200
SEED = 11  # the same rows on every run: figures compare between runs
DAY = datetime.timedelta(days=1)

# The state of an organisation's live application (one per organisation with a free category), by weight.
LIVE_MIX = [("draft", 25), ("submitted", 35), ("awaiting_information", 20), ("referred", 20)]
# The states of its earlier applications, decided or withdrawn, cycled per organisation.
HISTORY = ["approved", "withdrawn", "approved", "refused", "accepted", "withdrawn", "approved"]
# A case's stage (§6), by weight: about a third open and waiting for the Secretariat.
CASE_MIX = [
    ("recorded", 12),
    ("provider_notified", 8),
    ("under_investigation", 12),
    ("not_substantiated", 25),
    ("substantiated", 6),
    ("corrective_action", 5),
    ("report_consolidated", 4),
    ("with_pmc", 4),
    ("decided", 4),
    ("carried_out", 20),
]
SECTIONS_DRAFT = [[], ["organisation"], ["categories", "organisation"], ["categories", "organisation", "staff"]]


# --- writing in bulk --------------------------------------------------------------------------------------


@cache
def _zone():
    from django.conf import settings

    return ZoneInfo(settings.TIME_ZONE)


def _at(day, hour=10, minute=0):
    """A moment of `day` in Hong Kong (the portal's time zone): when a person did something that day."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=_zone())


def _reserve_ids(model, n):
    """n primary keys taken from the table's own sequence, as n inserts would take them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [model._meta.db_table, n]
        )
        return [pk for (pk,) in cursor.fetchall()]


def _copy(model, rows):
    """Write rows (dicts of attribute name → value) to the model's table with COPY; every column a row does
    not give takes the field's default, as a model instance would (auto_now fields: now), and the key its
    sequence's next value unless the rows give it. JSON fields are given as Python values. Returns the
    number of rows."""
    from django.db import connection, models
    from django.utils import timezone

    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    pk = model._meta.pk.attname
    fields = [f for f in model._meta.concrete_fields if f.attname != pk or pk in first]
    now = timezone.now()
    defaults = {
        f.attname: now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
        for f in fields
    }
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    names = [f.attname for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in itertools.chain([first], rows):
            values = []
            for name in names:
                value = row.get(name, defaults[name])
                values.append(json.dumps(value, ensure_ascii=False) if name in json_fields else value)
            copy.write_row(values)
            count += 1
    return count


def _vacuum_analyze(*models):
    """Fresh statistics and visibility maps, as a database in service has: the planner then chooses the
    plans it would in production (bench.py does the same after the directory)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _weighted(rng, mix):
    states, weights = zip(*mix, strict=True)
    return rng.choices(states, weights)[0]


# --- users ---------------------------------------------------------------------------------------------


def _officer():
    """The member of the Programme Management Team who decides, asks and writes in the seeded rows — and
    whom `bench_users` returns as the staff user."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from cpp_registry.roles import Role

    user, created = get_user_model().objects.get_or_create(
        email=STAFF_EMAIL, defaults={"is_staff": True, "full_name": "Bench Officer", "language": "en"}
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=Role.PROGRAMME_MANAGEMENT_TEAM.value))
    return user


def _new_users(emails):
    """Users who never log in (an unusable password: no hashing), in one COPY: their ids in order."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    User = get_user_model()
    emails = list(emails)
    ids = _reserve_ids(User, len(emails))
    unusable = make_password(None)
    _copy(User, ({"id": pk, "email": email, "password": unusable} for pk, email in zip(ids, emails, strict=True)))
    return ids


def _members(organisation_ids):
    """{organisation id: a user acting for it}, adding one to each organisation that has none: an
    application is started by a user of its organisation, and the applicant dashboard's query joins the
    organisations' users, so that table must be as full as in service."""
    from directory.models import Organisation

    Membership = Organisation.users.through
    members = {}
    for organisation_id, user_id in Membership.objects.filter(organisation_id__in=organisation_ids).values_list(
        "organisation_id", "user_id"
    ):
        members.setdefault(organisation_id, user_id)
    missing = [pk for pk in organisation_ids if pk not in members]
    users = _new_users(f"member-{pk}@{DOMAIN}" for pk in missing)
    members.update(zip(missing, users, strict=True))
    _copy(Membership, ({"organisation_id": o, "user_id": u} for o, u in zip(missing, users, strict=True)))
    return members


# --- clocks --------------------------------------------------------------------------------------------


class _Clocks:
    """Clocks as cpp_registry.deadlines starts them: due days from the working-day calendar (`due_day_for`,
    closure days read once, each kind and start day computed once)."""

    def __init__(self, start, end):
        from cpp_registry import workdays

        self.closed = workdays.closure_days(start, end + datetime.timedelta(days=400))
        self.due_days = {}

    def clock(self, *, kind, content_type, object_id, start, stopped_on=None, restarts=0, met_at=None):
        """A Deadline's columns; `start` (a moment in Hong Kong) is its start day and its creation."""
        from cpp_registry import deadlines

        key = (kind, start.date())
        if key not in self.due_days:
            self.due_days[key] = deadlines.due_day_for(kind, start.date(), closed=self.closed)
        due = self.due_days[key]
        return {
            "kind": kind,
            "content_type_id": content_type,
            "object_id": object_id,
            "start_day": start.date(),
            "due_day": due,
            "stopped_on": stopped_on,
            "restarts": restarts,
            "met_at": met_at,
            "met_on_time": None if met_at is None else met_at.astimezone(_zone()).date() <= due,
            "owner_role": deadlines.RULES[kind].owner_role,
            "created_at": start,
        }


def _save_clocks(clocks):
    """Write the clocks, and the events the clock services would have logged with them (started,
    restarted, stopped, met) in one INSERT … SELECT."""
    from django.db import connection

    from cpp_registry.models import Deadline

    ids = _reserve_ids(Deadline, len(clocks))
    _copy(Deadline, ({"id": pk, **clock} for pk, clock in zip(ids, clocks, strict=True)))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO core_deadlineevent (deadline_id, action, at, reason, due_day)
            SELECT id, 'started', created_at, 'bench', due_day FROM core_deadline WHERE id = ANY(%(ids)s)
            UNION ALL
            SELECT id, 'restarted', (start_day + time '11:00') AT TIME ZONE %(zone)s, 'answer received', due_day
              FROM core_deadline WHERE id = ANY(%(ids)s) AND restarts > 0
            UNION ALL
            SELECT id, 'stopped', (stopped_on + time '11:00') AT TIME ZONE %(zone)s, 'information requested', due_day
              FROM core_deadline WHERE id = ANY(%(ids)s) AND stopped_on IS NOT NULL
            UNION ALL
            SELECT id, 'met', met_at, 'bench', due_day FROM core_deadline WHERE id = ANY(%(ids)s) AND met_at IS NOT NULL
            """,
            {"ids": ids, "zone": str(_zone())},
        )
    return len(ids)


def _content_type(model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model).pk


# --- applications --------------------------------------------------------------------------------------


@dataclass
class _Application:
    """One application before it is written: its columns, its clock's and its messages' (kind, author id,
    from the Secretariat, text, moment)."""

    row: dict
    clock: dict | None = None
    messages: list = field(default_factory=list)


def _plan(organisations, held, n, rng):
    """(organisation or None, status, categories) for n applications, round after round over the
    organisations: first each one's live application, in a category it does not hold live (one at a time per
    category, drafting.live_conflicts), then its earlier ones, decided or withdrawn. One in fifty is a new
    applicant's draft that names no organisation yet."""
    rounds = n // len(organisations) + 1
    plans = []
    for index, organisation in enumerate(organisations):
        free = "".join(c for c in "12" if c not in held[organisation["id"]])
        live = [(_weighted(rng, LIVE_MIX), free)] if free else []
        history = [(HISTORY[(index + h) % len(HISTORY)], "1" if (index + h) % 3 else "2") for h in range(rounds)]
        plans.append(live + history)
    made = [(None, "draft", "") for _i in range(n // 50)]
    slot = 0
    while len(made) < n:
        for organisation, plan in zip(organisations, plans, strict=True):
            if len(made) == n:
                break
            made.append((organisation, *plan[slot]))
        slot += 1
    return made


class _Criteria:
    """The criteria check as the service stores it at submission — `applications.criteria.check` run on the
    facts of the staff and project records seeded with the application — and the answers as submitted."""

    def __init__(self):
        self.checks = {}

    @staticmethod
    def staff(categories, met):
        """(name, months) of three consultants: the third short of 24 months when category 1 is not met."""
        short = not met and "1" in categories
        return [("Consultant 1", 36), ("Consultant 2", 30), ("Consultant 3", 12 if short else 26)]

    @staticmethod
    def projects(categories, met, as_of):
        """(title, engineering, completed, started_on, ended_on) of three records: engineering ones for
        category 2 (the third not completed when only category 2 is applied for and not met), consultancy
        otherwise. The INSERT … SELECT of seed_applications writes the same."""
        engineering = "2" in categories
        unmet_engineering = engineering and not met and "1" not in categories
        records = []
        for i, days in enumerate((900, 700, 500)):
            started = as_of - days * DAY
            completed = not (unmet_engineering and i == 2)
            ended = started + 120 * DAY if completed else None
            title = ("Boiler retrofit and heat recovery" if engineering else "Energy audit") + f" {i + 1}"
            records.append((title, engineering, completed, started, ended))
        return records

    def check(self, categories, met, as_of):
        from applications import criteria

        key = (categories, met, as_of)
        if key not in self.checks:
            result = criteria.check(
                categories=list(categories),
                staff=[criteria.StaffFacts(name, months) for name, months in self.staff(categories, met)],
                projects=[
                    criteria.ProjectFacts(title, engineering, completed, started, True)
                    for title, engineering, completed, started, _ended in self.projects(categories, met, as_of)
                ],
                as_of=as_of,
            )
            if result.met != met:
                raise AssertionError(f"the seeded facts do not give criteria met={met} for {categories}")
            self.checks[key] = result.as_json()
        return self.checks[key]

    def snapshot(self, pk, organisation, categories, met, as_of):
        """The answers as submitted, in the shape of processing.answers_snapshot."""
        staff = [
            {
                "name": name,
                "position": "Senior consultant" if i == 0 else "Consultant",
                "months": months,
                "fields": ["energy"],
                "proof": f"applications/{pk}/staff/cv-{i + 1}.pdf",
            }
            for i, (name, months) in enumerate(self.staff(categories, met))
        ]
        projects = [
            {
                "title": title,
                "client_company": f"Client Factory {i + 1} Limited",
                "client_contact": "Lee Siu Ming",
                "client_phone": "+85229876543",
                "client_email": "",
                "started_on": started.isoformat(),
                "ended_on": ended.isoformat() if ended else "",
                "kind": "engineering" if engineering else "consultancy",
                "completed": completed,
                "areas": "c",
                "document": f"applications/{pk}/projects/project-{i + 1}.pdf",
            }
            for i, (title, engineering, completed, started, ended) in enumerate(self.projects(categories, met, as_of))
        ]
        return {
            "organisation": organisation["snapshot"],
            "categories": categories,
            "staff": staff,
            "projects": projects,
            "code_of_conduct": {"kind": "template", "file": "applications/code-of-conduct/bench.pdf"},
            "signatory": {"name": "Chan Tai Man", "position": "Director"},
        }


def _application(pk, organisation, status, categories, *, rng, today, officer, member, criteria_):
    """Application `pk` in `status`, its dates drawn backwards from today in the order the services would
    have set them one step at a time (created, submitted, asked, answered, referred or decided)."""
    from applications.models import Application, Message
    from applications.services.drafting import _reference

    S = Application.Status
    row = {
        "id": pk,
        "organisation_id": organisation["id"] if organisation else None,
        "created_by_id": member,
        "status": status,
        "categories": categories,
    }
    application = _Application(row=row)

    def ago(low, high):
        return today - rng.randint(low, high) * DAY

    def created_on(day):
        return _at(day, 15, rng.randint(0, 59))

    def submit(submitted_day, met):
        row.update(
            sections_done=sorted(Application.Section.values),
            code_of_conduct_kind=Application.CodeOfConduct.TEMPLATE,
            code_of_conduct_file="applications/code-of-conduct/bench.pdf",
            privacy_acknowledged_at=_at(submitted_day, 9),
            signatory_name="Chan Tai Man",
            signatory_position="Director",
            declared_at=_at(submitted_day, 9, 30),
            submitted_at=_at(submitted_day, 9, 45),
            submitted_answers=criteria_.snapshot(pk, organisation, categories, met, submitted_day),
            criteria_result=criteria_.check(categories, met, submitted_day),
            criteria_met=met,
        )
        return created_on(submitted_day - rng.randint(1, 20) * DAY)

    def override(when):
        row.update(
            override_categories=categories,
            override_reason="Ten years of boiler retrofits before the company was formed: equivalent (§3.2.2).",
            override_by_id=officer,
            override_at=when,
        )

    if status == S.DRAFT or (status == S.WITHDRAWN and rng.random() < 0.5):  # a withdrawn draft: never submitted
        sections = SECTIONS_DRAFT[pk % len(SECTIONS_DRAFT)] if organisation else []
        row["sections_done"] = sections
        if "categories" not in sections:
            row["categories"] = ""
        row["created_at"] = created_on(ago(1, 60) if status == S.DRAFT else ago(90, 1400))
    elif status in (S.SUBMITTED, S.AWAITING_INFORMATION):
        met = rng.random() < 0.67
        answered = status == S.SUBMITTED and rng.random() < 0.33
        submitted_day = ago(12, 35) if answered or status == S.AWAITING_INFORMATION else ago(0, 20)
        row["created_at"] = submit(submitted_day, met)
        if not met and rng.random() < 0.25:
            override(_at(min(submitted_day + 2 * DAY, today), 16))
        clock = {"start": row["submitted_at"]}
        if status == S.AWAITING_INFORMATION or answered:  # §4.1.3: the clock stops while information is owed
            asked = min(submitted_day + rng.randint(1, 6) * DAY, today)
            text = "Please send the completion certificate of project 2, signed by the client."
            application.messages.append((Message.Kind.REQUEST, officer, True, text, _at(asked, 11)))
            if answered:  # and starts again from zero on the day of the complete answer
                answer_day = min(asked + rng.randint(1, 6) * DAY, today)
                answer = (Message.Kind.ANSWER, member, False, "The certificate is attached.", _at(answer_day, 11))
                application.messages.append(answer)
                clock.update(start=_at(answer_day, 11), restarts=1)
            else:
                clock["stopped_on"] = asked
        application.clock = clock
    elif status == S.REFERRED:  # §4.1.5: not meeting the criteria; reporting it met the clock
        submitted_day = ago(15, 90)
        row["created_at"] = submit(submitted_day, False)
        application.clock = {"start": row["submitted_at"], "met_at": _at(min(submitted_day + 8 * DAY, today), 17)}
    else:  # approved, accepted, refused, or withdrawn after submission: up to four years back
        approved_anyway = status == S.APPROVED and rng.random() < 0.12  # on equivalent experience (§3.2.2)
        met = (status == S.APPROVED and not approved_anyway) or (status == S.WITHDRAWN and rng.random() < 0.7)
        submitted_day = ago(90, 1400)
        row["created_at"] = submit(submitted_day, met)
        if approved_anyway:
            override(_at(submitted_day + 2 * DAY, 16))
        processed = _at(submitted_day + rng.randint(2, 16) * DAY, 16)  # approved, referred or withdrawn
        if status != S.WITHDRAWN:
            when, text = processed, ("Welcome to the programme." if rng.random() < 0.5 else "")
            if status in (S.ACCEPTED, S.REFUSED):
                verb = "accepted" if status == S.ACCEPTED else "did not accept"
                when = processed + rng.randint(14, 45) * DAY
                text = f"The Project Management Committee {verb} the application (§4.1.5)."
            row.update(decided_at=when, decided_by_id=officer, decision_text=text)
            if text:
                application.messages.append((Message.Kind.DECISION, officer, True, text, when))
        application.clock = {"start": row["submitted_at"], "met_at": processed}
    row["updated_at"] = max(
        [row["created_at"], *(m[-1] for m in application.messages), *(v for v in [row.get("decided_at")] if v)]
    )
    row["reference"] = _reference(SimpleNamespace(pk=pk, created_at=row["created_at"]))  # APP-<year>-<key>
    return application


def seed_applications(n=50_000):
    """n Annex A applications over the organisations already seeded (bench.py's `seed_directory`), in every
    state, with their clocks, conversations, staff and project records; then VACUUM ANALYZE.

    Returns {what: how many}: each status, and the child rows."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from applications.models import Application, Message, ProjectRecord, StaffMember
    from cpp_registry.models import Deadline, DeadlineEvent
    from directory.models import Organisation, Registration

    rng = random.Random(SEED)
    today = timezone.localdate()
    with transaction.atomic():
        officer = _officer().pk
        organisations = list(
            Organisation.objects.order_by("id").values(
                "id", "name_en", "name_zh", "br_number", "address_en", "address_zh", "phone", "email"
            )
        )
        if not organisations:
            raise RuntimeError("seed the directory first (bench.seed_directory)")
        for o in organisations:  # the organisation's part of the answers as submitted, the same in each
            o["snapshot"] = {k: o[k] for k in ("name_en", "name_zh", "br_number", "address_en", "address_zh")}
            o["snapshot"].update(phone=str(o["phone"] or ""), email=o["email"])
        held = defaultdict(set)
        for organisation_id, category in Registration.objects.live().values_list("organisation_id", "category"):
            held[organisation_id].add(category)
        plan = _plan(organisations, held, n, rng)
        members = _members([o["id"] for o in organisations])
        newcomers = iter(_new_users(f"newcomer-{k}@{DOMAIN}" for k, p in enumerate(plan) if p[0] is None))
        criteria_ = _Criteria()
        made = [
            _application(
                pk,
                organisation,
                status,
                categories,
                rng=rng,
                today=today,
                officer=officer,
                member=members[organisation["id"]] if organisation else next(newcomers),
                criteria_=criteria_,
            )
            for pk, (organisation, status, categories) in zip(_reserve_ids(Application, n), plan, strict=True)
        ]
        _copy(Application, (a.row for a in made))
        ids = [a.row["id"] for a in made]

        content_type = _content_type(Application)
        calendar = _Clocks(today - 1500 * DAY, today)
        kind = Deadline.Kind.APPLICATION_PROCESSING
        clocks = _save_clocks(
            [
                calendar.clock(kind=kind, content_type=content_type, object_id=a.row["id"], **a.clock)
                for a in made
                if a.clock is not None
            ]
        )
        messages = [
            {
                "application_id": a.row["id"],
                "kind": kind,
                "author_id": author,
                "from_secretariat": secretariat,
                "text": text,
                "created_at": when,
            }
            for a in made
            for kind, author, secretariat, text, when in a.messages
        ]
        _copy(Message, ({"id": pk, **m} for pk, m in zip(_reserve_ids(Message, len(messages)), messages, strict=True)))
        with connection.cursor() as cursor:
            # Annex A's staff and project records: the facts _Criteria checked and put in the snapshot.
            cursor.execute(
                """
                INSERT INTO applications_staffmember
                       (application_id, name, position, years, months, fields, proof, "order")
                SELECT a.id, 'Consultant ' || s.g, CASE WHEN s.g = 1 THEN 'Senior consultant' ELSE 'Consultant' END,
                       s.m / 12, s.m %% 12, '["energy"]'::jsonb,
                       'applications/' || a.id || '/staff/cv-' || s.g || '.pdf', s.g - 1
                  FROM applications_application a
                 CROSS JOIN LATERAL (VALUES (1, 36), (2, 30),
                       (3, CASE WHEN a.criteria_met IS FALSE AND position('1' IN a.categories) > 0 THEN 12 ELSE 26 END)
                       ) AS s(g, m)
                 WHERE a.id = ANY(%s) AND (a.submitted_at IS NOT NULL OR a.sections_done ? 'staff')
                """,
                [ids],
            )
            staff = cursor.rowcount
            cursor.execute(
                """
                INSERT INTO applications_projectrecord
                       (application_id, title, client_company, client_contact, client_phone, client_email,
                        started_on, ended_on, kind, completed, areas, document, "order")
                SELECT a.id, d.title || ' ' || v.g, 'Client Factory ' || v.g || ' Limited', 'Lee Siu Ming',
                       '+85229876543', '', d.started, CASE WHEN d.completed THEN d.started + 120 END, d.kind,
                       d.completed, 'c', 'applications/' || a.id || '/projects/project-' || v.g || '.pdf', v.g - 1
                  FROM applications_application a
                 CROSS JOIN (VALUES (1, 900), (2, 700), (3, 500)) AS v(g, days)
                 CROSS JOIN LATERAL (
                       SELECT (a.submitted_at AT TIME ZONE %s)::date - v.days AS started,
                              CASE WHEN e THEN 'engineering' ELSE 'consultancy' END AS kind,
                              CASE WHEN e THEN 'Boiler retrofit and heat recovery' ELSE 'Energy audit' END AS title,
                              NOT (e AND a.criteria_met IS FALSE AND position('1' IN a.categories) = 0 AND v.g = 3)
                                  AS completed
                         FROM (SELECT position('2' IN a.categories) > 0 AS e) AS x
                       ) AS d
                 WHERE a.id = ANY(%s) AND a.submitted_at IS NOT NULL
                """,
                [str(_zone()), ids],
            )
            projects = cursor.rowcount

    _vacuum_analyze(
        Application,
        Message,
        StaffMember,
        ProjectRecord,
        Deadline,
        DeadlineEvent,
        get_user_model(),
        Organisation.users.through,
    )
    counts = defaultdict(int)
    for a in made:
        counts[a.row["status"]] += 1
    return {
        **dict(sorted(counts.items())),
        "without organisation": sum(1 for a in made if a.row["organisation_id"] is None),
        "clocks": clocks,
        "messages": len(messages),
        "staff": staff,
        "projects": projects,
    }


# --- cases -------------------------------------------------------------------------------------------------


def _factories():
    """FACTORIES factories, each with a user who lodges its complaints in the portal: {id: user id}."""
    from directory.models import Factory

    ids = _reserve_ids(Factory, FACTORIES)
    _copy(
        Factory,
        (
            {
                "id": pk,
                "name_en": f"Bench Factory {k:03d} Limited",
                "name_zh": f"測試工廠{k:03d}",
                "region": Factory.Region.GUANGDONG if k % 3 else Factory.Region.HONG_KONG,
                "contact_person": "Wong Siu Ming",
                "email": f"factory{k}@{DOMAIN}",
            }
            for k, pk in enumerate(ids)
        ),
    )
    users = _new_users(f"factory{k}@{DOMAIN}" for k in range(FACTORIES))
    _copy(Factory.users.through, ({"factory_id": f, "user_id": u} for f, u in zip(ids, users, strict=True)))
    return dict(zip(ids, users, strict=True))


def _case_received(status, rng, today):
    """The day a case in `status` was received: recent for the open stages, up to three years back for the
    closed ones."""
    days = {
        "recorded": (0, 12),
        "provider_notified": (3, 30),
        "under_investigation": (10, 60),
        "not_substantiated": (60, 1000),
        "substantiated": (12, 45),
        "corrective_action": (15, 50),
        "report_consolidated": (40, 120),
        "with_pmc": (50, 150),
        "decided": (60, 200),
        "carried_out": (90, 1000),
    }[status]
    return today - rng.randint(*days) * DAY


def _case_stage(row, spec, *, rng, today, officer, member):
    """Bring a case's columns to its status as the services would have, step by step: the fields each step
    sets, its messages and its clocks — the notice clock (§6.1.1), met when the provider was told, which
    starts the one-month report clock (§6.1.4), met by the findings when not substantiated or by the
    consolidation."""
    from complaints.models import Case, Message
    from cpp_registry.models import Deadline

    S, Kinds, status = Case.Status, Message.Kind, row["status"]
    notify = {"start": _at(row["received_on"], 10)}
    spec["clocks"].append((Deadline.Kind.COMPLAINT_NOTIFY, notify))
    if status == S.RECORDED:
        return
    notified = _at(min(row["received_on"] + rng.randint(0, 3) * DAY, today), 11)
    row["notified_at"] = notify["met_at"] = notified
    report = {"start": notified}
    spec["clocks"].append((Deadline.Kind.COMPLAINT_REPORT, report))
    if status in (S.PROVIDER_NOTIFIED, S.UNDER_INVESTIGATION):
        return
    found_day = min(notified.date() + rng.randint(5, 30) * DAY, today)
    found = row["found_at"] = _at(found_day, 15)
    if status == S.NOT_SUBSTANTIATED:
        findings = "The visit was rescheduled at the factory's request; the provider's log shows the e-mails."
        row.update(findings=findings, substantiated=False, outcome_note="Not substantiated: no penalty (§6.1.2).")
        report["met_at"] = found
        result = f"{row['outcome_note']}\n\n{findings}"
        spec["messages"].append((Kinds.RESULT, officer, True, True, True, result, found))
        return
    findings = "The heat exchanger was never connected; the site visit confirmed heat losses as before the works."
    preliminary = "Connect the heat exchanger and send the commissioning record within 20 working days."
    row.update(findings=findings, substantiated=True, preliminary_report=preliminary)
    spec["messages"].append((Kinds.FINDINGS, officer, True, False, False, findings, found))
    spec["messages"].append((Kinds.PRELIMINARY_REPORT, officer, True, True, False, preliminary, found))
    if status == S.SUBSTANTIATED:
        return
    answered = _at(min(found_day + rng.randint(2, 10) * DAY, today), 12)
    answer = "The exchanger is connected; the commissioning record is attached."
    spec["messages"].append((Kinds.CORRECTIVE_ACTION, member, False, True, False, answer, answered))
    if status == S.CORRECTIVE_ACTION:
        return
    consolidated = _at(min(max(notified.date() + rng.randint(20, 31) * DAY, answered.date()), today), 16)
    row.update(
        corrective_action_assessment="The commissioning record shows the heat recovered as contracted.",
        corrective_action_complete=True,
        report="Substantiated; the corrective action was completed late.",
        consolidated_at=consolidated,
    )
    report["met_at"] = consolidated
    if status == S.CARRIED_OUT:
        row["outcome_note"] = "The PMC's decision was carried out."


def seed_cases(n=20_000):
    """n complaint and substandard-service cases over the organisations already seeded, in every stage of
    §6, with their clocks and main messages; then VACUUM ANALYZE. Substandard cases go on the directory's
    funded projects (their provider and factory); complaints come from FACTORIES factories made here.

    Returns {what: how many}: each stage, the substandard cases, and the child rows."""
    from django.db import transaction
    from django.utils import timezone

    from complaints.models import Case, Message
    from complaints.services import _reference
    from cpp_registry.models import Deadline, DeadlineEvent
    from directory.models import Factory, FundedProject, Organisation

    rng = random.Random(SEED + 1)
    today = timezone.localdate()
    with transaction.atomic():
        officer = _officer().pk
        organisation_ids = list(Organisation.objects.order_by("id").values_list("id", flat=True))
        if not organisation_ids:
            raise RuntimeError("seed the directory first (bench.seed_directory)")
        members = _members(organisation_ids)
        projects = defaultdict(list)
        for pk, provider, factory in FundedProject.objects.values_list("pk", "provider_id", "factory_id"):
            projects[provider].append((pk, factory))
        factories = _factories()
        factory_ids = list(factories)

        rows, specs = [], []
        for i, pk in enumerate(_reserve_ids(Case, n)):
            organisation = organisation_ids[i % len(organisation_ids)]
            if projects[organisation] and rng.random() < 0.3:  # §6.2: raised by the PTST on a funded project
                project, factory = rng.choice(projects[organisation])
                kind, source, lodged_by = Case.Kind.SUBSTANDARD, Case.Source.PTST, officer
                grounds = sorted(rng.sample(Case.Ground.values, rng.randint(1, 2)))
                description = "The final report does not cover the contracted scope (no measurements after the works)."
            else:
                project, factory = None, rng.choice(factory_ids)
                kind, grounds = Case.Kind.COMPLAINT, []
                source = rng.choice([Case.Source.PORTAL, Case.Source.POST, Case.Source.EMAIL])
                lodged_by = factories[factory] if source == Case.Source.PORTAL else officer
                description = "The energy audit report promised for last month has not arrived; calls go unanswered."
            status = _weighted(rng, CASE_MIX)
            received = _case_received(status, rng, today)
            created = _at(received, 10, rng.randint(0, 59))
            row = {
                "id": pk,
                "reference": _reference(SimpleNamespace(pk=pk, created_at=created)),  # CASE-<year>-<key>
                "kind": kind,
                "source": source,
                "organisation_id": organisation,
                "factory_id": factory,
                "funded_project_id": project,
                "lodged_by_id": lodged_by,
                "received_on": received,
                "description": description,
                "grounds": grounds,
                "status": status,
                "created_at": created,
            }
            complaint = (Message.Kind.COMPLAINT, lodged_by, kind == Case.Kind.SUBSTANDARD, True, True, description)
            spec = {"messages": [(*complaint, created)], "clocks": []}
            _case_stage(row, spec, rng=rng, today=today, officer=officer, member=members[organisation])
            rows.append(row)
            specs.append(spec)

        # §6.1.4 (services.proposed_penalty): a warning for an organisation's first substantiated case,
        # removal for the later ones.
        by_organisation = defaultdict(list)
        for row in rows:
            if row.get("consolidated_at"):
                by_organisation[row["organisation_id"]].append(row)
        for cases in by_organisation.values():
            cases.sort(key=lambda c: (c["received_on"], c["id"]))
            for k, case in enumerate(cases):
                penalty = Case.Penalty.WARNING if k == 0 else Case.Penalty.REMOVAL
                case.update(proposed_penalty=penalty, recommended_penalty=penalty)

        _copy(Case, rows)
        content_type = _content_type(Case)
        calendar = _Clocks(today - 1200 * DAY, today)
        clocks = _save_clocks(
            [
                calendar.clock(kind=kind, content_type=content_type, object_id=row["id"], **fields)
                for row, spec in zip(rows, specs, strict=True)
                for kind, fields in spec["clocks"]
            ]
        )
        messages = [
            {
                "case_id": row["id"],
                "kind": kind,
                "author_id": author,
                "from_secretariat": secretariat,
                "to_provider": to_provider,
                "to_factory": to_factory,
                "text": text,
                "created_at": when,
            }
            for row, spec in zip(rows, specs, strict=True)
            for kind, author, secretariat, to_provider, to_factory, text, when in spec["messages"]
        ]
        _copy(Message, ({"id": pk, **m} for pk, m in zip(_reserve_ids(Message, len(messages)), messages, strict=True)))

    _vacuum_analyze(Case, Message, Deadline, DeadlineEvent, Factory, Factory.users.through)
    counts = defaultdict(int)
    for row in rows:
        counts[row["status"]] += 1
    return {
        **dict(sorted(counts.items())),
        "substandard": sum(1 for row in rows if row["kind"] == Case.Kind.SUBSTANDARD),
        "clocks": clocks,
        "messages": len(messages),
    }


# --- the users of the timed pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchUsers:
    """The users the timed pages are asked as, with what a real log-in would need."""

    applicant: Any
    staff: Any
    organisation: Any
    password: str
    totp_secret: str


def bench_users():
    """The applicant and the member of staff of the timed pages (idempotent).

    - The applicant acts for the first organisation with an application awaiting its answer, so that its
      dashboard lists that organisation's applications in several states (five or so at 50,000).
    - The staff user is the Programme Management Team's officer of the seeded rows, with a verified address
      and an activated authenticator app and recovery codes, as allauth's set-up leaves them
      (tests/core/factories.py `add_totp`): without one, cpp_registry.mfa sends every page to the set-up.
    Both can also log in for real with PASSWORD (and, for staff, the TOTP code of `totp_secret`)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth import get_user_model

    from applications.models import Application
    from cpp_registry.demo import DEMO_TOTP_SECRET
    from directory.models import Organisation

    organisation = (
        Organisation.objects.filter(applications__status=Application.Status.AWAITING_INFORMATION).order_by("id").first()
        or Organisation.objects.filter(applications__isnull=False).order_by("id").first()
    )
    if organisation is None:
        raise RuntimeError("seed the applications first (seed_applications)")
    applicant, created = get_user_model().objects.get_or_create(
        email=APPLICANT_EMAIL, defaults={"full_name": "Bench Applicant", "language": "en"}
    )
    if created:
        applicant.set_password(PASSWORD)
        applicant.save(update_fields=["password"])
    organisation.users.add(applicant)

    staff = _officer()
    if not Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(staff, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(staff)
    for user in (applicant, staff):
        EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return BenchUsers(
        applicant=applicant, staff=staff, organisation=organisation, password=PASSWORD, totp_secret=DEMO_TOTP_SECRET
    )
