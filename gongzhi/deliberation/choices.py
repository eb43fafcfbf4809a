from django.db import models
from django.utils.translation import gettext_lazy as _


class TopicSource(models.TextChoices):
    RESIDENT_PROPOSAL = "resident_proposal", _("居民提议")
    APPEALS = "appeals", _("诉求汇集")
    PARTY_ORG = "party_org", _("党组织提出")
    COMMUNITY_STAFF = "community_staff", _("社区提出")


class Phase(models.TextChoices):
    COLLECTING = "collecting", _("征集意见")
    DELIBERATING = "deliberating", _("协商")
    VOTING = "voting", _("表决")
    RESOLVED = "resolved", _("决议")
    IMPLEMENTING = "implementing", _("落实")
    PUBLISHED = "published", _("公示")
    CLOSED = "closed", _("已关闭")


class Stance(models.TextChoices):
    SUPPORT = "support", _("支持")
    OPPOSE = "oppose", _("反对")
    OTHER = "other", _("其他意见")


class OpinionChannel(models.TextChoices):
    ONLINE = "online", _("线上")
    OFFLINE = "offline", _("线下录入")


class MeetingKind(models.TextChoices):
    COUNCIL = "council", _("议事会")
    HEARING = "hearing", _("听证会")
    COORDINATION = "coordination", _("协调会")
    JOINT = "joint", _("居民区联席会议")
    OWNERS_ASSEMBLY = "owners_assembly", _("业主大会会议")
    RESIDENTS_MEETING = "residents_meeting", _("居民会议")


class MeetingState(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    NOTICED = "noticed", _("已发通知")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class ParticipantRole(models.TextChoices):
    OWNER = "owner", _("业主")
    PROPERTY = "property", _("物业")
    OWNERS_COMMITTEE = "owners_committee", _("业委会")
    SOCIAL_ORG = "social_org", _("社会组织")
    PARTY_ORG = "party_org", _("党组织")
    RESIDENT_REP = "resident_rep", _("居民代表")
    DEPARTMENT = "department", _("部门")


class SignInMethod(models.TextChoices):
    ONLINE = "online", _("线上签到")
    STAFF = "staff", _("工作人员代签")


class VoteRule(models.TextChoices):
    OWNERS_JOINT = "owners_joint", _("业主共同决定（民法典第278条）")
    RESIDENTS_MEETING = "residents_meeting", _("居民会议（居民委员会组织法第9条）")
    BODY_RULES = "body_rules", _("本机构议事规则（出席人数过半数）")


class ElectorateBasis(models.TextChoices):
    """Who may vote in a residents' meeting (居民委员会组织法 第10条) or a body's own vote: the vote's list of electors
    is drawn up on this basis before voting opens."""

    ADULTS = "adults", _("本居住地区年满十八周岁的居民")
    HOUSEHOLDS = "households", _("每户派代表")
    GROUPS = "groups", _("每个居民小组推选的代表（2至3人）")
    MEMBERS = "members", _("本机构成员")


class VoteState(models.TextChoices):
    DRAFT = "draft", _("未开始")
    OPEN = "open", _("投票中")
    CLOSED = "closed", _("已计票")


class BallotChoice(models.TextChoices):
    YES = "yes", _("同意")
    NO = "no", _("反对")
    ABSTAIN = "abstain", _("弃权")


class BallotChannel(models.TextChoices):
    ONLINE = "online", _("线上投票")
    PAPER = "paper", _("纸质表决票（工作人员录入）")


class AreaSource(models.TextChoices):
    REGISTER = "register", _("不动产登记面积")
    SURVEY = "survey", _("实测面积")
    CONTRACT = "contract", _("合同记载面积")


class TaskState(models.TextChoices):
    PENDING = "pending", _("未开始")
    IN_PROGRESS = "in_progress", _("进行中")
    DONE = "done", _("已完成")
