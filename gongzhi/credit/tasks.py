from django.tasks import task

from gongzhi.core import outbox
from gongzhi.core.notifications import deliver_pending

from . import services


@task()
def credit_sweep() -> dict:
    """The periodic credit sweep: warnings, deadline notices, platform deliveries and confirmations."""
    counts = services.sweep()
    counts["delivered"] = outbox.deliver_due()
    deliver_pending()
    return counts
