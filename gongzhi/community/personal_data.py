"""The community's part of a person's data (core.personal_data): volunteer profile, activities signed up for.
Closing the account deletes the volunteer profile; sign-ups and the time bank's ledger stay (append-only records
of hours served), pointing to the nameless closed account."""

from django.utils import timezone

from .models import Signup, VolunteerProfile


def export(user) -> list[dict]:
    rows = [
        {"类型": "志愿者信息", "内容": p.skills, "社区": str(p.region), "时间": ""}
        for p in VolunteerProfile.objects.filter(user=user).select_related("region")
    ]
    rows += [
        {
            "类型": "活动报名",
            "内容": s.activity.title,
            "社区": s.get_state_display(),
            "时间": timezone.localtime(s.created_at).strftime("%Y-%m-%d %H:%M"),
        }
        for s in Signup.objects.filter(user=user).select_related("activity").order_by("created_at")
    ]
    return rows


def erase(user) -> int:
    return VolunteerProfile.objects.filter(user=user).delete()[0]
