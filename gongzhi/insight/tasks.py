"""Tasks run on commit of a new appeal (deferred by the post_save receiver in insight/apps.py)."""

from django.tasks import task

from . import live


@task()
def analyse_appeal(appeal_id: int) -> dict:
    """Everything insight does for a new appeal, in one task: the classifier's top-3 and suggested unit (and the
    auto-dispatch above its threshold), then the hot-spot join. Both run even if one fails; the task then fails
    with the first error."""
    out, errors = {"appeal": appeal_id}, []
    try:
        prediction = live.record_prediction(appeal_id)
        out["confidence"] = prediction.confidence if prediction else None
    except Exception as exc:
        errors.append(exc)
    try:
        spot = live.update_hotspots(appeal_id)
        out["hotspot"] = spot.pk if spot else None
    except Exception as exc:
        errors.append(exc)
    if errors:
        raise errors[0]
    return out


# The two tasks analyse_appeal replaced: rows a worker of the previous version left queued still run.
@task()
def predict_appeal(appeal_id: int) -> dict:
    prediction = live.record_prediction(appeal_id)
    return {"appeal": appeal_id, "confidence": prediction.confidence if prediction else None}


@task()
def update_hotspots(appeal_id: int) -> dict:
    spot = live.update_hotspots(appeal_id)
    return {"appeal": appeal_id, "hotspot": spot.pk if spot else None}
