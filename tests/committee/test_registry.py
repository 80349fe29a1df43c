"""The committee knows no subject: what a decision means is registered by the subject's app
(committee.registry). These tests register a stand-in subject (a factory) the way an app would."""

import pytest

from committee import registry, services
from committee.models import Motion, Vote
from committee.registry import Shown
from cpp_registry.errors import ServiceError
from cpp_registry.models import Deadline, Notice
from cpp_registry.notices import build_notice
from directory.models import Factory, Registration

from .factories import members, pmt, vote_all

pytestmark = pytest.mark.django_db
FOR = Vote.Choice.FOR


@pytest.fixture
def staff():
    return pmt()


@pytest.fixture
def subject():
    return Factory.objects.create(name_en="Bright Textiles", name_zh="明亮紡織", region=Factory.Region.GUANGDONG)


@pytest.fixture
def registered():
    """Motions of kind "accept application" about a factory, as an app would register them."""
    calls = []

    def passed(*, motion, subject, actor):
        calls.append(("passed", motion.pk, subject.pk, actor.pk))
        return "Accepted."

    def hear(*, subject, template_key, context, related, event):
        return [
            build_notice(
                recipient=None,
                email="factory@example.hk",
                language="en",
                template_key="motion_result",
                context=context,
                related=related,
                idempotency_key=f"{event}:factory",
            )
        ]

    registry.register(
        model=Factory,
        kind=Motion.Kind.ACCEPT_APPLICATION,
        outcomes={"passed": passed},
        audience=hear,
        show=lambda s: Shown(title_en=f"Factory {s.name_en}", title_zh=f"工廠{s.name_zh}"),
    )
    yield calls
    registry.unregister(model=Factory, kind=Motion.Kind.ACCEPT_APPLICATION)


def _decided(subject, staff, kind=Motion.Kind.ACCEPT_APPLICATION, choices=(FOR,)):
    m = services.motion_create(kind=kind, subject=subject, question_en="Accept?", actor=staff)
    m = services.motion_open(motion=m, actor=staff)
    vote_all(m, zip(members(len(choices)), choices, strict=True))
    return services.motion_close(motion=m, actor=staff)


def test_a_motion_about_an_unregistered_subject_is_refused_and_nothing_is_written(staff, subject):
    with pytest.raises(services.CommitteeError, match="No part of the portal handles"):
        services.motion_create(kind=Motion.Kind.ACCEPT_APPLICATION, subject=subject, question_en="?", actor=staff)
    assert not Motion.objects.exists()


def test_the_subject_shows_by_its_registered_label_and_its_audience_hears_the_result(staff, subject, registered):
    m = _decided(subject, staff)
    assert (m.subject_label_en, m.subject_label_zh) == ("Factory Bright Textiles", "工廠明亮紡織")
    assert Notice.objects.filter(recipient_email="factory@example.hk", object_id=m.pk).count() == 1


def test_carrying_out_calls_the_registered_handler_with_the_subject(staff, subject, registered):
    m = _decided(subject, staff)
    m = services.motion_carry_out(motion=m, actor=staff)
    assert registered == [("passed", m.pk, subject.pk, staff.pk)]
    assert m.carry_out_note == "Accepted." and m.status == Motion.Status.CARRIED_OUT
    assert Deadline.objects.for_subject(m).get().met_at is not None


def test_an_outcome_with_no_handler_gives_a_clear_message_and_changes_nothing(staff, subject, registered):
    m = _decided(subject, staff, choices=())  # no votes: 0 for, 0 against → failed; nothing registered for it
    assert m.outcome == Motion.Outcome.FAILED
    with pytest.raises(services.CommitteeError, match="Nothing is set up to carry out"):
        services.motion_carry_out(motion=m, actor=staff)
    m.refresh_from_db()
    assert m.status == Motion.Status.CLOSED
    assert Deadline.objects.for_subject(m).get().met_at is None


def test_a_handler_that_refuses_rolls_everything_back(staff, subject):
    def half_done(*, motion, subject, actor):
        Registration.objects.update(end_reason="touched")
        Factory.objects.filter(pk=subject.pk).update(name_en="touched")
        raise ServiceError("The register refused.")

    registry.register(
        model=Factory,
        kind=Motion.Kind.ACCEPT_APPLICATION,
        outcomes={"passed": half_done},
        audience=lambda **kwargs: [],
        show=lambda s: Shown(title_en=s.name_en),
    )
    try:
        m = _decided(subject, staff)
        with pytest.raises(services.CommitteeError, match="refused"):
            services.motion_carry_out(motion=m, actor=staff)
    finally:
        registry.unregister(model=Factory, kind=Motion.Kind.ACCEPT_APPLICATION)
    subject.refresh_from_db()
    assert subject.name_en == "Bright Textiles"
    m.refresh_from_db()
    assert m.status == Motion.Status.CLOSED


def test_registering_something_else_for_the_same_subject_and_kind_is_refused(registered):
    with pytest.raises(ValueError, match="already registered"):
        registry.register(
            model=Factory,
            kind=Motion.Kind.ACCEPT_APPLICATION,
            outcomes={},
            audience=lambda **kwargs: [],
            show=lambda s: Shown(title_en=""),
        )


def test_several_apps_may_register_the_same_kind_for_their_own_subjects(registered):
    from directory.models import Organisation

    assert registry.entry_for(model=Factory, kind=Motion.Kind.ACCEPT_APPLICATION) is not None
    registry.register(
        model=Organisation,
        kind=Motion.Kind.ACCEPT_APPLICATION,
        outcomes={},
        audience=lambda **kwargs: [],
        show=lambda s: Shown(title_en=s.name_en),
    )
    try:
        assert registry.entry_for(model=Organisation, kind=Motion.Kind.ACCEPT_APPLICATION) is not None
        assert registry.entry_for(model=Factory, kind=Motion.Kind.ACCEPT_APPLICATION) is not None
    finally:
        registry.unregister(model=Organisation, kind=Motion.Kind.ACCEPT_APPLICATION)
