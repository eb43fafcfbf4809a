from django.tasks import task


@task()
def apply_retention() -> int:
    """Daily: forget the numbers of calls older than the retention period (calls.personal_data), batch by batch."""
    from .personal_data import apply_retention as apply

    total = 0
    while done := apply():
        total += done
    return total
