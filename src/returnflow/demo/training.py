"""The demo team's training history (issue 17): a lived-in training area for `serve --demo`.

Six more people join the demo accounts (sign-in locked until an administrator sets a
password) under the names the demo's history already uses (`catalog_staff.py`:
warehouse:sun.hao inspected real returns, agent:zhang.min decided real reviews), so
their practical figures come from real records. Over the past year and a half each
took knowledge checks (some failed first, every pass through a real check), so
certificates stand in every state: valid, refresher due, in grace, expired, and one
waived with its reason. Supervisors recorded monthly practical assessments (with the
month's computed figures), appraisals, rewards and corrective actions; a second
inspector graded recent inspections again; and improvement proposals sit in every
state with owners and outcomes. All through the services, in one unit of work that
writes its events to the outbox only.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from returnflow.app_context import AppContext
from returnflow.domain.access import Principal, Role
from returnflow.domain.inspection import Grade
from returnflow.domain.proposals import Area, Outcome, Priority
from returnflow.domain.training import Skill
from returnflow.domain.training_records import RecognitionKind
from returnflow.domain.training_schedule import AssessmentKind
from returnflow.services import (
    proposals,
    training,
    training_grades,
    training_practice,
    training_schedule,
)
from returnflow.services.training import TrainingRules
from returnflow.services.unit_of_work import UnitOfWork

SUPERVISOR = "manager:manager"  # the demo's manager, 王敏
# the team's accounts hold no password (argon2 would cost ~0.7 s each): sign-in fails
# (`InvalidHashError` is a refusal) until an administrator sets one at /staff/users
LOCKED = "!demo-team: set a password at /staff/users"
# the people the demo's made-up past already names (catalog_staff.py), now with accounts
TEAM: tuple[tuple[str, str, Role], ...] = (
    ("sun.hao", "孙浩", Role.WAREHOUSE),
    ("zhou.qiang", "周强", Role.WAREHOUSE),
    ("zhang.min", "张敏", Role.AGENT),
    ("chen.jie", "陈杰", Role.AGENT),
    ("he.jing", "何静", Role.FINANCE),
    ("zhao.yu", "赵雨", Role.AGENT),
)
# (username, skill, days ago, passed): the checks each took, oldest first
CHECKS: tuple[tuple[str, Skill, int, bool], ...] = (
    ("sun.hao", Skill.RECEIVING, 500, False),
    ("sun.hao", Skill.RECEIVING, 499, True),
    ("sun.hao", Skill.RECEIVING, 135, True),
    ("sun.hao", Skill.INSPECTION, 345, True),  # refresher due this month
    ("zhou.qiang", Skill.RECEIVING, 372, True),  # expired a week ago: in its grace
    ("zhou.qiang", Skill.INSPECTION, 60, False),
    ("zhou.qiang", Skill.INSPECTION, 58, True),
    ("zhang.min", Skill.REVIEW, 90, False),
    ("zhang.min", Skill.REVIEW, 88, True),
    ("zhang.min", Skill.REFUND, 88, True),
    ("zhang.min", Skill.COMPLAINTS, 87, True),
    ("chen.jie", Skill.REVIEW, 420, True),  # expired long ago: the gate refuses
    ("chen.jie", Skill.REFUND, 30, True),
    ("he.jing", Skill.REFUND, 470, True),
    ("he.jing", Skill.REFUND, 100, True),
    ("zhao.yu", Skill.COMPLAINTS, 10, False),
    ("agent", Skill.REVIEW, 390, True),  # the demo accounts' earlier certificates
    ("warehouse", Skill.INSPECTION, 380, False),
    ("warehouse", Skill.INSPECTION, 379, True),
    ("finance", Skill.REFUND, 385, True),
)
RECOGNITIONS: tuple[tuple[str, RecognitionKind, int, str], ...] = (
    ("sun.hao", RecognitionKind.REWARD, 40, "连续三个月验收与复核评级一致，零申诉改判"),
    ("zhang.min", RecognitionKind.REWARD, 25, "本月审核时效全组第一，客户满意度 4.9 分"),
    ("zhou.qiang", RecognitionKind.CORRECTIVE, 55, "两次验收未拍照留证；已安排重学验收课程并复测"),
    ("chen.jie", RecognitionKind.CORRECTIVE, 20, "审核证书过期仍未复训；本周内完成审核课程测验"),
    ("warehouse", RecognitionKind.REWARD, 70, "双十一期间日均验收 120 件，差错率低于 1%"),
)
# (proposer, area, text, days ago, steps): steps are "triage", "start", or an outcome
PROPOSALS: tuple[tuple[str, Area, str, int, tuple[str, ...]], ...] = (
    (
        "warehouse",
        Area.WAREHOUSE,
        "验收台增加第二台拍照灯，阴天照片发暗，买家看不清瑕疵。",
        95,
        ("triage", "start", "adopted"),
    ),
    (
        "agent",
        Area.REVIEW,
        "7 天无理由的审核页面直接显示签收日和截止日，省去翻物流记录。",
        80,
        ("triage", "start", "adopted"),
    ),
    (
        "zhang.min",
        Area.REFUNDS,
        "部分退款的扣款原因做成下拉选项，减少手写不一致。",
        70,
        ("triage", "declined"),
    ),
    (
        "finance",
        Area.REFUNDS,
        "退款失败时自动通知财务，而不是第二天对账才发现。",
        60,
        ("triage", "duplicate"),
    ),
    (
        "sun.hao",
        Area.LOGISTICS,
        "上门取件超时 48 小时自动改约，避免客户反复来电。",
        30,
        ("triage", "start"),
    ),
    ("customer", Area.PORTAL, "退货进度页希望能看到快递员电话。", 21, ("triage",)),
    ("zhou.qiang", Area.WAREHOUSE, "残次品区货架按品类贴色标，找货更快。", 12, ("triage",)),
    ("customer", Area.OTHER, "希望退款到账后能收到短信提醒。", 5, ()),
    ("chen.jie", Area.COMPLAINTS, "投诉工单超时前 2 小时提醒处理人。", 2, ()),
)
_CLOSE_NOTES = {
    "adopted": "已上线，下季度复盘效果",
    "declined": "原因种类过多，下拉会漏项；改为常用原因提示",
    "duplicate": "与 #4 之前的对账告警需求重复，合并处理",
}


def train_demo_team(context: AppContext, now: datetime, seed: int) -> None:
    """Write the team's training past once: nothing if the team already exists."""
    with context.uow(publish=False) as uow:
        if uow.accounts.user_exists(TEAM[0][0]):
            return
        for username, display_name, role in TEAM:  # sign-in locked: no password hash
            uow.accounts.add_user(
                username=username, display_name=display_name, password_hash=LOCKED, role=role,
                merchant_id=None, now=now - timedelta(days=520),
            )  # fmt: skip
        _checks(uow, now, seed)
        _assessments(uow, now)
        for username, kind, days, reason in RECOGNITIONS:
            on = (now - timedelta(days=days)).date()
            training_practice.recognize(uow, username, kind, reason, on, SUPERVISOR, now)
        _second_grades(uow, now)
        _proposals(uow, now)
        uow.commit(now)


def _checks(uow: UnitOfWork, now: datetime, seed: int) -> None:
    """Every certificate earned through a real check: the right answers, or wrong ones."""
    rules = TrainingRules(gates=False)
    for number, (username, skill, days, passed) in enumerate(CHECKS):
        at = now - timedelta(days=days, hours=number % 7)
        started = training.start_attempt(uow, username, skill, at, seed=seed * 1000 + number)
        right = [q.answer for q in started.questions]
        wrong = [(q.answer + 1) % len(q.choices) for q in started.questions]
        given = right if passed else wrong
        training.answer_attempt(uow, started.attempt_id, username, given, at, rules)
    reason = "投诉课程测验未通过，由主管带教处理投诉，两周内复测"
    training.waive(uow, "zhao.yu", Skill.COMPLAINTS, reason, "admin:admin", now - timedelta(days=9))


def _months_back(today: date, count: int) -> list[date]:
    found, day = [], today.replace(day=1)
    for _ in range(count):
        day = (day - timedelta(days=1)).replace(day=1)
        found.append(day)
    return found


def _assessments(uow: UnitOfWork, now: datetime) -> None:
    """Monthly practicals for the last five months (one person missed the last one), an
    appraisal each for last year."""
    today = training_schedule.local_day(now)
    people = [name for name, _, _ in TEAM] + ["agent", "warehouse", "finance"]
    for month in _months_back(today, 5):
        at = datetime(month.year, month.month, 25, 8, tzinfo=now.tzinfo)
        for name in people:
            if name == "chen.jie" and month == _months_back(today, 1)[0]:
                continue  # missed last month's: overdue on "who is due"
            if name == "zhao.yu" and month < _months_back(today, 2)[-1]:
                continue  # joined the desk recently
            note = "现场观察：流程规范" if name != "zhou.qiang" else "现场观察：拍照留证需加强"
            training_practice.record_practical(uow, name, month, SUPERVISOR, at, note)
    appraised = now - timedelta(days=300)
    for name in people:
        training_schedule.record(
            uow, name, AssessmentKind.APPRAISAL, SUPERVISOR, appraised, "年度考评：称职"
        )


def _second_grades(uow: UnitOfWork, now: datetime) -> None:
    """A second look at up to 24 recent inspections: the same grade, one in five a grade
    worse (a different view of the wear)."""
    rules = TrainingRules(gates=False)
    graders = ("warehouse:warehouse", SUPERVISOR, "warehouse:sun.hao")
    ladder = list(Grade)
    waiting = training_grades.awaiting(uow, "warehouse", now, 0, 24).items
    for number, item in enumerate(waiting):
        inspected = uow.training.grades.inspected(item.rma_no)
        if inspected is None:
            continue
        grade = inspected.grade
        if number % 5 == 3:
            grade = ladder[min(ladder.index(grade) + 1, len(ladder) - 1)]
        grader = next(g for g in graders[number % 3 :] + graders if g != inspected.inspected_by)
        at = min(now, item.inspected_at + timedelta(hours=4 + number % 20))
        training_grades.regrade(uow, item.rma_no, grade, grader, at, rules)


def _proposals(uow: UnitOfWork, now: datetime) -> None:
    owners = {Area.WAREHOUSE: "张伟", Area.LOGISTICS: "王敏", Area.PORTAL: "李娜"}
    for proposer, area, text, days, steps in PROPOSALS:
        at = now - timedelta(days=days)
        if proposer == "customer":
            number = proposals.propose_as_customer(uow, area, text, at)
        else:
            member = uow.training.member(proposer)
            assert member is not None
            principal = Principal(member[0], proposer, proposer, Role(member[1]))
            number = proposals.propose(uow, principal, area, text, at)
        for step_no, step in enumerate(steps, start=1):
            when = at + timedelta(days=2 * step_no)
            if step == "triage":
                owner = owners.get(area, "王敏")
                priority = Priority.HIGH if area is Area.WAREHOUSE else Priority.NORMAL
                proposals.triage(uow, number, owner, priority, SUPERVISOR, when)
            elif step == "start":
                proposals.start(uow, number, SUPERVISOR, when)
            else:
                outcome = Outcome(step)
                proposals.close(uow, number, outcome, _CLOSE_NOTES[step], SUPERVISOR, when)
