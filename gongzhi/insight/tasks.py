"""Tasks run on commit of a new appeal (enqueued by the post_save receiver in insight/apps.py)."""

from django.tasks import task

from . import live


@task()
def predict_appeal(appeal_id: int) -> dict:
    prediction = live.record_prediction(appeal_id)
    return {"appeal": appeal_id, "confidence": prediction.confidence if prediction else None}


@task()
def update_hotspots(appeal_id: int) -> dict:
    spot = live.update_hotspots(appeal_id)
    return {"appeal": appeal_id, "hotspot": spot.pk if spot else None}
