"""Tasks run on commit of a new appeal (deferred by the post_save receiver in insight/apps.py)."""

import logging

from django.tasks import task

from gongzhi.core import taskqueue

from . import live

logger = logging.getLogger(__name__)

# Appeals analysed together at most: when the worker falls behind, one task takes this many pending ones (one
# classifier call, one transaction); at ~5 ms CPU each, a batch stays far inside the hot-spot rule's second.
BATCH = 25


@task()
def analyse_appeal(appeal_id: int) -> dict:
    """Everything insight does for a new appeal: the classifier's top-3 and suggested unit (and the auto-dispatch
    above its threshold), then the hot-spot join (live.analyse). Both run even if one fails; the task then fails
    with the first error.

    The task also claims up to BATCH − 1 other pending analyse_appeal tasks (waiting up to
    taskqueue.gather_seconds() after its own appeal's commit for them to come) and analyses their appeals with its
    own (live.analyse_many: each appeal's result is the one it gets alone; a failure falls back to one by one, so
    it fails only its own task); their task rows get their results in the same transaction as the writes."""
    rows = taskqueue.claim_more(analyse_appeal, BATCH - 1, gather=taskqueue.gather_seconds())
    ids, bad = [appeal_id], {}
    for row in rows:
        try:
            (pk,) = row.args_kwargs["args"]
            ids.append(int(pk))
        except Exception as exc:  # a row of the wrong shape fails alone
            bad[row.pk] = exc

    def record(outcomes: dict) -> None:
        taskqueue.finish_claimed(
            rows, [bad.get(row.pk) or outcomes[int(row.args_kwargs["args"][0])] for row in rows]
        )

    outcome = live.analyse_many(ids, record=record if rows else None)[appeal_id]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


# The two tasks analyse_appeal replaced: rows a worker of the previous version left queued still run.
@task()
def predict_appeal(appeal_id: int) -> dict:
    prediction = live.record_prediction(appeal_id)
    return {"appeal": appeal_id, "confidence": prediction.confidence if prediction else None}


@task()
def update_hotspots(appeal_id: int) -> dict:
    spot = live.update_hotspots(appeal_id)
    return {"appeal": appeal_id, "hotspot": spot.pk if spot else None}


@task()
def send_nearby_digests() -> int:
    """Daily: the 附近提醒 digest, one notice per person who chose it (insight.alerts)."""
    from . import alerts

    return alerts.send_daily_digests()


@task()
def learn_places() -> dict:
    """Daily: the place names appeals use, into the gazetteer (insight.gazetteer.learn_places)."""
    from . import gazetteer

    return gazetteer.learn_places()


@task()
def cool_hotspots() -> int:
    """Daily: quiet hot spots summarised again so that their heat cools (insight.spots.cool_hotspots)."""
    from . import spots

    return spots.cool_hotspots()


@task()
def train_router() -> dict:
    """Daily: retrain the unit router on the dispatch history (insight.router; `gongzhi train_router`)."""
    from . import router

    model = router.train(router.history(), router.Catalogue.from_db())
    if model is None:
        return {"trained": False}
    path = router.save(model)
    return {
        "trained": True,
        "path": str(path),
        **{k: model.meta[k] for k in ("n_positive", "n_negative", "units")},
    }
