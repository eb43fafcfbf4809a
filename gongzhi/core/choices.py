from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    COUNTY = "county", _("区县")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")


REGION_LEVEL_ORDER = [RegionLevel.COUNTY, RegionLevel.STREET, RegionLevel.COMMUNITY, RegionLevel.GRID]


class UnitKind(models.TextChoices):
    PARTY_ORG = "party_org", _("党组织")
    DEPARTMENT = "department", _("职能部门")
    STREET_OFFICE = "street_office", _("街道办事处")
    COMMUNITY_COMMITTEE = "community_committee", _("社区居委会")
    PROPERTY_COMPANY = "property_company", _("物业服务企业")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    SOCIAL_ORG = "social_org", _("社会组织")
    ENTERPRISE = "enterprise", _("企业")
    SELF_ORG = "self_org", _("自组织")


class Role(models.TextChoices):
    """Django groups by these names carry the roles (DESIGN.md, "Who uses it")."""

    RESIDENT = "resident", _("居民")
    OPERATOR = "operator", _("话务员")
    DISPATCHER = "dispatcher", _("派单员")
    HANDLER = "handler", _("承办人")
    SUPERVISOR = "supervisor", _("督办员")
    GRID_WORKER = "grid_worker", _("网格员")
    PARTY_MEMBER = "party_member", _("党员")
    COMMUNITY_STAFF = "community_staff", _("社区工作者")
    CREDIT_OFFICER = "credit_officer", _("信用专员")
    LEADER = "leader", _("领导")
    ADMIN = "admin", _("管理员")


class NotificationChannel(models.TextChoices):
    SITE = "site", _("站内")
    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")
    WECHAT = "wechat", _("微信")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
