"""Download views: the list page's appeals as Excel/CSV, the monthly three-rates report as Excel/PDF."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.views import role_required

from .. import forms
from ..views import RATES_ROLES, STAFF_ROLES, filtered_appeals
from . import exporting

CONTENT_TYPES = {"xlsx": exporting.XLSX_TYPE, "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def download(content: bytes, fmt: str, stem: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


def form_errors(form) -> str:
    return "；".join(
        f"{form.fields[name].label}：{' '.join(errors)}" if name in form.fields else " ".join(errors)
        for name, errors in form.errors.items()
    )


def appeals_file(user, params, fmt: str) -> tuple[bytes | None, str]:
    """(file, '') or (None, the Chinese reason) for the list page's filter in `params`."""
    if fmt not in ("xlsx", "csv"):
        return None, _("只能导出为 xlsx 或 csv。")
    form = forms.AppealFilterForm(params or None)
    if params and not form.is_valid():
        return None, _("筛选条件无效：%(errors)s") % {"errors": form_errors(form)}
    qs = filtered_appeals(user, form, timezone.now())
    writer = exporting.appeals_xlsx if fmt == "xlsx" else exporting.appeals_csv
    return writer(user, qs), ""


def rates_file(user, params, fmt: str) -> tuple[bytes | None, str, str]:
    """(file, period, '') or (None, '', the Chinese reason)."""
    if fmt not in ("xlsx", "pdf"):
        return None, "", _("三率报表只能导出为 xlsx 或 pdf。")
    form = forms.RatesForm(params or None)
    if params and not form.is_valid():
        return None, "", _("参数无效：%(errors)s") % {"errors": form_errors(form)}
    period = (form.cleaned_data.get("period") if form.is_bound else "") or timezone.localdate().strftime(
        "%Y-%m"
    )
    writer = exporting.rates_xlsx if fmt == "xlsx" else exporting.rates_pdf
    return writer(period, user), period, ""


@role_required(*STAFF_ROLES)
def appeal_export(request, fmt: str):
    params = request.GET.copy()
    params.pop("page", None)
    content, error = appeals_file(request.user, params, fmt)
    if content is None:
        messages.error(request, error)
        return redirect(f"{reverse('appeals:list')}?{params.urlencode()}")
    return download(content, fmt, f"appeals-{timezone.localtime():%Y%m%d-%H%M}")


@role_required(*RATES_ROLES)
def rates_export(request, fmt: str):
    params = request.GET.copy()
    params.pop("by", None)  # the report holds both groupings
    content, period, error = rates_file(request.user, params, fmt)
    if content is None:
        messages.error(request, error)
        return redirect("appeals:rates")
    return download(content, fmt, f"three-rates-{period}")
