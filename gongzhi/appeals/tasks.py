from django.tasks import task

from gongzhi.core.notifications import deliver_pending

from . import services


@task()
def sweep_deadlines() -> int:
    """The periodic sweep: 催办/督办 on late steps, then any notification still pending."""
    issued = services.sweep_deadlines()
    deliver_pending()
    return issued
