"""What every part of the deliberation services shares: the actor's rights (managers in their region, a
logged-in actor), the topic's row lock and phase check, the topic's event chain, and the notice to the
people behind a topic's appeals (their appeals' timelines record each step)."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gongzhi.appeals.models import Appeal
from gongzhi.appeals.services import record_event as record_appeal_event
from gongzhi.core import inputs
from gongzhi.core.errors import IllegalTransition, PermissionDeniedError
from gongzhi.core.masking import staff_label
from gongzhi.core.models import Region, User
from gongzhi.core.notices import send_notice
from gongzhi.core.permissions import in_scope, is_manager
from gongzhi.core.phones import sms_number

from ..models import DeliberationEvent, Topic
from ..workflow import settings_for

# ---------------------------------------------------------------- permissions


def _require_manager(actor: User | None, region: Region) -> None:
    if not is_manager(actor):
        raise PermissionDeniedError(_("只有社区工作者或管理员可以执行此操作。"))
    if not in_scope(actor, region):
        raise PermissionDeniedError(_("该议题不在您负责的区域内。"))


def _require_login(actor: User | AnonymousUser | None) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError(_("请先登录。"), code="login_required")


def _actor_label(actor: User | None) -> str:
    if actor is None:
        return _("系统")
    return staff_label(actor)


# ---------------------------------------------------------------- events and locks


def _event(
    topic: Topic | None,
    actor: User | None,
    action: str,
    *,
    note: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    public: bool = True,
) -> DeliberationEvent:
    """Append to the topic's chain (the caller holds the topic's row lock), or to the shared chain."""
    return DeliberationEvent.append(
        actor,
        action,
        actor_label=_actor_label(actor),
        topic=topic,
        note=note,
        before=before,
        after=after,
        public=public,
    )


@contextmanager
def _locked_topic(topic_id: int) -> Iterator[Topic]:
    with transaction.atomic():
        yield inputs.locked(Topic, topic_id, _("议题不存在。"), related=("region",))


def _lock_topics(ids: Iterable[int]) -> list[Topic]:
    return list(Topic.objects.select_for_update(of=("self",)).filter(pk__in=sorted(set(ids))).order_by("pk"))


def _require_setting(topic: Topic, setting: str, message: str) -> None:
    if not getattr(settings_for(topic.phase), setting):
        raise IllegalTransition(
            _("议题当前处于「%(phase)s」阶段，%(message)s")
            % {"phase": topic.get_phase_display(), "message": message},
            code="phase_closed",
        )


# ---------------------------------------------------------------- the people behind a topic's appeals


# The steps of a topic that residents behind its appeals are told of: action on the appeals' timelines → the words.
TOPIC_STEPS = {
    "deliberation_opened": _lazy("已转为议事协商议题"),
    "deliberation_resolved": _lazy("已形成决议"),
    "deliberation_task_done": _lazy("一项落实任务已完成"),
    "deliberation_completed": _lazy("决议已落实"),
}


def topic_appeals(topic: Topic) -> list[int]:
    """Every appeal behind a topic: those linked to it, those that joined a hot spot it was opened from (later
    joiners included: computed at each step), and every appeal merged into any of them (merges chain)."""
    ids = set(topic.appeals.values_list("pk", flat=True))
    ids |= set(Appeal.objects.filter(hotspot_membership__hotspot__topic=topic).values_list("pk", flat=True))
    frontier = set(ids)
    while frontier:
        frontier = set(Appeal.objects.filter(master_id__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    return sorted(ids)


def _appellants_notice(
    topic: Topic, actor: User | None, action: str, detail: str, *, step_key: str = ""
) -> int:
    """Tell every person behind the topic's appeals (topic_appeals: linked, merged, later hot-spot joiners; their
    appellants and co-signers, insight.CoSign) once per step, by the channels each chose (the `topic_step` notice),
    and record the step on each of those appeals' timelines (under its row lock). Returns how many people."""
    from ..notices import TOPIC_STEP

    step = str(TOPIC_STEPS[action])
    key = f"topic:{topic.pk}:{step_key or action}"
    link = f"/deliberation/topics/{topic.pk}/"
    people: dict[
        tuple[str, int | str], dict[str, Any]
    ] = {}  # person key → send_notice arguments; the first appeal found names them
    appeals = list(
        Appeal.objects.select_for_update(of=("self",))
        .select_related("appellant")
        .filter(pk__in=topic_appeals(topic))
        .order_by("pk")
    )
    for appeal in appeals:
        record_appeal_event(
            appeal,
            actor,
            action,
            note=f"{step}：{topic.title}。{detail}"[:2000],
            after={"topic": topic.pk, "topic_title": topic.title, "step": step_key or action},
        )
        if appeal.anonymous and not appeal.appellant_id:
            continue
        user = appeal.appellant if appeal.appellant_id else None
        phone = (
            ""
            if appeal.anonymous
            else (sms_number(appeal.appellant_phone) or (user.phone if user else "") or "")
        )
        person: tuple[str, int | str] = ("user", user.pk) if user else ("phone", phone)
        if person[1] and person not in people:
            people[person] = {"user": user, "phone": phone, "number": appeal.number}
    for cosign in (
        apps.get_model("insight", "CoSign")
        .objects.filter(appeal__in=appeals)
        .select_related("resident", "appeal")
        .order_by("pk")
    ):
        person = ("user", cosign.resident_id)
        if person not in people:
            people[person] = {
                "user": cosign.resident,
                "phone": cosign.resident.phone or "",
                "number": cosign.appeal.number,
            }
    # A person with an account who also gave their number on an appeal without one is told once.
    account_phones = {sms_number(p["phone"]) for k, p in people.items() if k[0] == "user" and p["phone"]}
    told = 0
    for person, p in people.items():
        if person[0] == "phone" and person[1] in account_phones:
            continue
        send_notice(
            TOPIC_STEP.key,
            user=p["user"],
            phone=p["phone"],
            link=link,
            ref=f"topic:{topic.pk}",
            key=f"{key}:{person[0]}:{person[1]}",
            context={"title": topic.title, "step": step, "detail": detail, "number": p["number"]},
        )
        told += 1
    return told
