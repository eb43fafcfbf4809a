"""Hot spot → deliberation topic (议事协商, issue C): one click on the hot-spot page opens a topic of source
"诉求汇集" with the hot spot's appeals, through deliberation.services.create_topic (which checks that the
actor manages the region and appends the topic's first audit event). The topic's region is the community
the appeals share, else their street; the hot spot keeps a link to it so it is not opened twice.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.appeals.models import Appeal
from gongzhi.core.choices import RegionLevel
from gongzhi.core.errors import ServiceError
from gongzhi.core.models import Region
from gongzhi.core.redaction import redact, redact_appeal
from gongzhi.deliberation.choices import TopicSource
from gongzhi.deliberation.services import create_topic

from .models import HotSpot


def topic_region(appeals: list[Appeal]) -> Region | None:
    """The community all the appeals are in, else their common street, else None."""
    for level in (RegionLevel.COMMUNITY, RegionLevel.STREET):
        found = {getattr(a.region.ancestor_at(level), "pk", None) for a in appeals}
        if len(found) == 1 and (pk := found.pop()) is not None:
            return Region.objects.get(pk=pk)
    return None


def hotspot_to_topic(actor, hotspot_id: int):
    with transaction.atomic():
        spot = HotSpot.objects.select_for_update().filter(pk=hotspot_id).first()
        if spot is None:
            raise ServiceError(_("热点不存在。"), code="not_found")
        if spot.topic_id:
            raise ServiceError(_("该热点已转为协商议题。"), code="already_topic")
        appeals = list(
            Appeal.objects.filter(hotspot_membership__hotspot=spot)
            .select_related("region__parent__parent__parent")
            .order_by("received_at", "pk")
        )
        if not appeals:
            raise ServiceError(_("该热点没有诉求。"), code="empty")
        region = topic_region(appeals)
        if region is None:
            raise ServiceError(_("热点诉求分属不同街道，请在议事协商中手工发起议题。"), code="no_region")
        title = (_("热点问题：%(label)s") % {"label": redact(spot.title or spot.place) or spot.pk})[:200]
        lines = [
            _("由热点问题转入（热度 %(heat).2f，%(n)s 件诉求，%(p)s 位居民，%(start)s 至 %(end)s）。")
            % {
                "heat": spot.heat,
                "n": spot.size,
                "p": spot.residents,
                "start": f"{spot.start:%Y-%m-%d}" if spot.start else "—",
                "end": f"{spot.end:%Y-%m-%d}" if spot.end else "—",
            }
        ]
        if spot.place:
            lines.append(_("地点：%(p)s") % {"p": spot.place})
        # The topic is public (居务公开): a confidential appeal is linked but not quoted, personal data is removed
        # (core.redaction).
        lines += [f"{a.number} {redact_appeal(a)[0]}" for a in appeals if not a.confidential][:20]
        topic = create_topic(
            actor,
            title=title,
            description="\n".join(lines),
            region=region,
            source=TopicSource.APPEALS,
            appeal_ids=[a.pk for a in appeals],
        )
        spot.topic = topic
        spot.save(update_fields=["topic"])
    return topic
