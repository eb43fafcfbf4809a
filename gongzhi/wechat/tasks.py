"""Background work of the 公众号: an image a follower sent is downloaded after the 5-second reply."""

from django.tasks import task

from . import services


@task()
def fetch_image(record_id: int) -> None:
    services.fetch_image(record_id)
