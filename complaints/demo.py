"""Demo data for `make run` (idempotent): penalties before the PMC — an open removal motion the demo PMC
member can vote on, and a decided warning.

Uses its own provider (BR numbers starting with 9, so as not to meet the directory's demo organisations).
"""

import datetime

from django.contrib.auth import get_user_model

from committee import services
from committee.models import Motion, Vote
from directory.models import Category, Organisation, Registration
from directory.services import registration_grant

OPEN_QUESTION = "Should Demo Environmental Services Ltd be removed from the register (§6.3)?"
DECIDED_QUESTION = "Does the PMC support the recommended warning to Demo Environmental Services Ltd (§6.1.4)?"


def seed(command):
    User = get_user_model()
    staff = User.objects.get(email="pmt@demo.etsp.hk")
    member = User.objects.get(email="pmc@demo.etsp.hk")
    provider, _created = Organisation.objects.get_or_create(
        br_number="90000001",
        defaults={
            "name_en": "Demo Environmental Services Ltd",
            "name_zh": "示範環保服務有限公司",
            "email": "info@demo-env.example.hk",
        },
    )
    if not Registration.objects.live().filter(organisation=provider).exists():
        registration_grant(
            organisation=provider,
            category=Category.CONSULTANCY,
            actor=staff,
            granted_on=datetime.date(2026, 3, 2),
            imported=True,
        )

    if not Motion.objects.filter(subject_id=provider.pk, question_en=DECIDED_QUESTION).exists():
        decided = services.motion_create(
            kind=Motion.Kind.WARNING,
            subject=provider,
            actor=staff,
            question_en=DECIDED_QUESTION,
            question_zh="項目管理委員會是否支持向示範環保服務有限公司發出建議的警告（§6.1.4）？",
            recommendation_en="A warning: first substantiated complaint (late final report).",
            recommendation_zh="發出警告：首宗成立的投訴（逾期提交最終報告）。",
        )
        services.motion_open(motion=decided, actor=staff)
        services.vote_cast(motion=decided, member=member, choice=Vote.Choice.FOR)
        services.motion_close(motion=decided, actor=staff)

    if not Motion.objects.filter(subject_id=provider.pk, question_en=OPEN_QUESTION).exists():
        motion = services.motion_create(
            kind=Motion.Kind.REMOVAL,
            subject=provider,
            actor=staff,
            question_en=OPEN_QUESTION,
            question_zh="應否將示範環保服務有限公司從名冊除名（§6.3）？",
            recommendation_en=(
                "Removal: a second substantiated complaint, and corrective action refused without reasonable "
                "explanation (§6.1.4, §6.3.1)."
            ),
            recommendation_zh="除名：第二宗成立的投訴，且無合理解釋拒絕採取改正措施（§6.1.4、§6.3.1）。",
            papers=[{"title_en": "Investigation report (demo)", "title_zh": "調查報告（示範）", "link": ""}],
        )
        services.motion_open(motion=motion, actor=staff)
    if command is not None:
        open_count = Motion.objects.open().count()
        command.stdout.write(f"  committee: {open_count} open motion(s) for pmc@demo.etsp.hk to vote on")
