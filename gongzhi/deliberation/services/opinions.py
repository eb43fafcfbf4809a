"""Opinions on a topic: posted by residents, entered by staff from offline sources, hidden by managers."""

from django.utils.translation import gettext as _

from gongzhi.core import inputs
from gongzhi.core.errors import IllegalTransition, NotFoundError, ServiceError
from gongzhi.core.masking import person_label
from gongzhi.core.models import User

from ..choices import OpinionChannel, Stance
from ..models import Opinion
from ._base import _event, _locked_topic, _require_login, _require_manager, _require_setting


def post_opinion(
    actor: User, topic_id: int, *, body: str, stance: str = Stance.OTHER, parent_id: int | None = None
) -> Opinion:
    _require_login(actor)
    body = inputs.text(body, "body", _("意见内容"), limit=2000, required=True)
    stance = inputs.choice(stance, Stance, "stance", _("立场"))
    with _locked_topic(topic_id) as topic:
        _require_setting(topic, "opinions_open", _("不能再发表意见。"))
        parent = None
        if parent_id:
            parent = Opinion.objects.filter(pk=parent_id, topic=topic, hidden=False).first()
            if parent is None:
                raise ServiceError(_("要回复的意见不存在。"), field="parent_id")
        opinion = Opinion.objects.create(
            topic=topic,
            parent=parent,
            author=actor,
            author_name=person_label(actor),
            stance=stance,
            body=body,
        )
        _event(
            topic,
            actor,
            "post_opinion",
            after={"opinion": opinion.pk, "stance": stance, "reply_to": parent.pk if parent else None},
        )
    return opinion


def enter_offline_opinion(
    actor: User, topic_id: int, *, author_name: str, body: str, source: str, stance: str = Stance.OTHER
) -> Opinion:
    """Opinions heard at a door, a meeting or in a letter, entered by staff with their source."""
    author_name = inputs.text(author_name, "author_name", _("意见人"), limit=50, required=True)
    body = inputs.text(body, "body", _("意见内容"), limit=2000, required=True)
    source = inputs.text(
        source, "source", _("意见来源（如入户走访、座谈会、来信）"), limit=200, required=True
    )
    stance = inputs.choice(stance, Stance, "stance", _("立场"))
    with _locked_topic(topic_id) as topic:
        _require_manager(actor, topic.region)
        _require_setting(topic, "opinions_open", _("不能再录入意见。"))
        opinion = Opinion.objects.create(
            topic=topic,
            author_name=author_name,
            stance=stance,
            body=body,
            channel=OpinionChannel.OFFLINE,
            offline_source=source,
            entered_by=actor,
        )
        _event(
            topic,
            actor,
            "enter_offline_opinion",
            after={"opinion": opinion.pk, "stance": stance, "source": source},
        )
    return opinion


def hide_opinion(actor: User, opinion_id: int, *, reason: str) -> Opinion:
    reason = inputs.text(reason, "reason", _("隐藏原因"), limit=200, required=True)
    topic_id = Opinion.objects.filter(pk=opinion_id).values_list("topic_id", flat=True).first()
    if topic_id is None:
        raise NotFoundError(_("意见不存在。"))
    with _locked_topic(topic_id) as topic:
        _require_manager(actor, topic.region)
        opinion = Opinion.objects.select_for_update().get(pk=opinion_id)
        if opinion.hidden:
            raise IllegalTransition(_("该意见已被隐藏。"))
        opinion.hidden, opinion.hidden_reason = True, reason
        opinion.save(update_fields=["hidden", "hidden_reason"])
        _event(topic, actor, "hide_opinion", note=reason, after={"opinion": opinion.pk})
    return opinion
