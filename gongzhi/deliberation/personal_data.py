"""Deliberation's part of a person's data (core.personal_data): their opinions, co-signed proposals, the votes
they are listed for. Closing the account signs their opinions anonymously and unlinks them from owners'
registers and lists of electors (those stay: they are the community's records of who owns and who may vote)."""

from django.utils import timezone

from gongzhi.core.fieldcrypt import index_values
from gongzhi.core.personal_data import ANONYMOUS_NAME

from .models import CoSigner, Elector, Opinion, Owner


def export(user) -> list[dict]:
    rows = [
        {
            "类型": "意见",
            "议题": o.topic.title,
            "内容": o.body,
            "时间": timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"),
        }
        for o in Opinion.objects.filter(author=user).select_related("topic").order_by("created_at")
    ]
    rows += [
        {
            "类型": "联名提议",
            "议题": c.topic.title,
            "内容": c.household,
            "时间": timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M"),
        }
        for c in CoSigner.objects.filter(user=user).select_related("topic")
    ]
    rows += [
        {
            "类型": "业主名册",
            "议题": o.register.name,
            "内容": "、".join(o.units.values_list("number", flat=True)),
            "时间": "",
        }
        for o in Owner.objects.filter(user=user).select_related("register")
    ]
    rows += [
        {"类型": "投票人名单", "议题": e.vote.question, "内容": e.household, "时间": ""}
        for e in Elector.objects.filter(user=user).select_related("vote")
    ]
    return rows


def erase(user) -> int:
    count = Opinion.objects.filter(author=user).update(author_name=ANONYMOUS_NAME)
    count += Owner.objects.filter(user=user).update(user=None, **index_values(Owner, phone=""))
    count += Elector.objects.filter(user=user).update(user=None, **index_values(Elector, phone=""))
    return count
