from django.tasks import task

from gongzhi.core.notifications import deliver_pending

from . import notices, services


@task()
def sweep_deadlines() -> int:
    """The periodic sweep: 催办/督办 on late steps, reminders to rate an answer, then any notification still pending."""
    issued = services.sweep_deadlines()
    notices.remind_callbacks()
    deliver_pending()
    return issued


@task()
def apply_retention() -> dict:
    """Daily: the retention rule of appeals.personal_data (anonymise old closed appeals, delete old attachments)."""
    from .personal_data import apply_retention as apply

    return apply()
