"""Background work of the 公众号: an image a follower sent is downloaded after the 5-second reply; the log of
messages received is pruned daily."""

from django.tasks import task

from . import services


@task()
def fetch_image(record_id: int) -> None:
    services.fetch_image(record_id)


@task()
def prune_log() -> int:
    """Daily: delete the log of messages older than WECHAT_LOG_DAYS (services.prune_log)."""
    return services.prune_log()
