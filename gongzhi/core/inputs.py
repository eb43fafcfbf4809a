"""What every app's services do with their input, once and with one argument order: `(value, field, label, …)`.

A service is called by the pages, the API and the channels alike, so it checks its own input and refuses it in
the user's language with the field's name (`ServiceError(message, field=…)`: the page puts the message under that
field, the API answers `{"code": "invalid", "detail", "field"}`). A row the caller asks for by id is locked or not
found the same way everywhere (`locked`).
"""

from datetime import date
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.enums import Choices
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .errors import NotFoundError, ServiceError

type Label = str | Promise

MAX_TEXT = 5000


def text(
    value: object,
    field: str,
    label: Label,
    *,
    required: bool = False,
    min_length: int = 0,
    limit: int = MAX_TEXT,
) -> str:
    """A text input, stripped. None is ""; anything but a string (a number, a list, an object sent as JSON) is
    refused, not left to fail in `.strip()`; `required`: not empty; `min_length`: at least that many characters;
    `limit`: at most that many."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ServiceError(_("%(label)s应为文字。") % {"label": label}, field=field)
    value = value.strip()
    if required and not value:
        raise ServiceError(_("请填写%(label)s。") % {"label": label}, field=field)
    if min_length and len(value) < min_length:
        raise ServiceError(
            _("请填写%(label)s（至少%(n)s个字）。") % {"label": label, "n": min_length}, field=field
        )
    if len(value) > limit:
        raise ServiceError(_("%(label)s不能超过%(n)s字。") % {"label": label, "n": limit}, field=field)
    return value


def choice(value: object, choices: type[Choices], field: str, label: Label) -> str:
    """One of a `TextChoices`' values."""
    if value not in choices.values:
        raise ServiceError(_("请选择有效的%(label)s。") % {"label": label}, field=field)
    return str(value)


def day(value: object, field: str, label: Label, default: date | None = None) -> date:
    """A date: a `date` or an ISO text ("2026-12-07"); empty is `default`, or refused when there is none."""
    if value in (None, ""):
        if default is not None:
            return default
        raise ServiceError(_("请填写%(label)s。") % {"label": label}, field=field)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ServiceError(_("%(label)s不是有效日期。") % {"label": label}, field=field) from None


def locked[M: models.Model](
    queryset: "models.QuerySet[M] | type[M]", pk: Any, message: Label, *, related: tuple[str, ...] = ()
) -> M:
    """The row `pk` names, locked for the caller's transaction (`SELECT … FOR UPDATE` of that row only), with its
    `related` rows joined; `NotFoundError(message)` (404 `not_found`) when there is none or `pk` is no id."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    if related:
        qs = qs.select_related(*related)
    try:
        return qs.select_for_update(of=("self",)).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFoundError(message) from None
