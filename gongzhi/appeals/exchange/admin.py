"""Admin for import profiles, with the guided mapping page: upload a sample export, then choose for each of
its columns the field it fills (pre-filled from the column titles), and for each state the sample shows
the state it means here."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import AppealState
from .fields import FIELDS, guess_mapping, normalize_header
from .importing import STATE_ALIASES, ImportFileError, read_table, resolve_mapping
from .models import ImportedAppeal, ImportProfile

SAMPLE_ROWS = 500
IGNORE = ""


class SampleForm(forms.Form):
    sample = forms.FileField(
        label=gettext_lazy("样例文件（.xlsx 或 .csv）"),
        help_text=gettext_lazy("读取表头和前500行中的状态值，不会导入任何数据。"),
    )


def field_choices():
    return [(IGNORE, _("（不导入此列）")), *((key, str(title)) for key, (title, _a) in FIELDS.items())]


def sample_of(upload) -> tuple[list[str], dict[str, list[str]]]:
    """The headers and, per column, up to 20 distinct values of the first rows."""
    headers, rows, _n = read_table(upload.read(), upload.name)
    values: dict[str, list[str]] = {h: [] for h in headers}
    for count, (_row, cells) in enumerate(rows):
        if count >= SAMPLE_ROWS:
            break
        for header, cell in zip(headers, cells, strict=False):
            text = "" if cell is None else str(cell).strip()
            if text and text not in values[header] and len(values[header]) < 20:
                values[header].append(text)
    return headers, values


@admin.register(ImportProfile)
class ImportProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "source_system", "updated_at"]
    search_fields = ["name", "source_system"]
    change_form_template = "admin/appeals/importprofile/change_form.html"

    def get_urls(self):
        return [
            path(
                "<int:pk>/map/",
                self.admin_site.admin_view(self.map_columns),
                name="appeals_importprofile_map",
            ),
            *super().get_urls(),
        ]

    def map_columns(self, request, pk: int):
        profile = get_object_or_404(ImportProfile, pk=pk)
        if not self.has_change_permission(request, profile):
            return redirect("admin:index")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "profile": profile,
            "title": _("映射列：%(name)s") % {"name": profile.name},
            "sample_form": SampleForm(),
        }
        if request.method == "POST" and "sample" in request.FILES:
            form = SampleForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    headers, values = sample_of(form.cleaned_data["sample"])
                except ImportFileError as exc:
                    form.add_error("sample", exc.message)
                else:
                    context["columns"] = self._columns(profile, headers, values)
                    context["field_choices"] = field_choices()
                    context["state_choices"] = [(IGNORE, _("（按内置对照）")), *AppealState.choices]
            context["sample_form"] = form
        elif request.method == "POST":
            error = self._save(request, profile)
            if error is None:
                messages.success(request, _("列映射已保存。"))
                return redirect(reverse("admin:appeals_importprofile_change", args=[profile.pk]))
            messages.error(request, error)
        return render(request, "admin/appeals/importprofile/map.html", context)

    def _columns(self, profile, headers, values) -> list[dict]:
        saved = {normalize_header(h): key for h, key in (profile.mapping or {}).items()}
        guessed = guess_mapping(headers)
        columns = []
        for index, header in enumerate(headers):
            if not header:
                continue
            key = saved.get(normalize_header(header), guessed.get(header, IGNORE))
            column = {
                "index": index,
                "header": header,
                "field": key,
                "samples": values.get(header, [])[:5],
                "states": [],
            }
            if key == "state":
                for text in values.get(header, []):
                    mapped = (profile.state_map or {}).get(text) or STATE_ALIASES.get(text) or ""
                    column["states"].append({"text": text, "state": mapped})
            columns.append(column)
        return columns

    def _save(self, request, profile) -> str | None:
        headers = request.POST.getlist("header")
        fields = request.POST.getlist("field")
        if len(headers) != len(fields):
            return _("提交的内容不完整，请重新上传样例文件。")
        mapping, used = {}, {}
        for header, key in zip(headers, fields, strict=True):
            if key == IGNORE:
                mapping[header] = IGNORE  # ignored on purpose, not guessed from its title
                continue
            if key not in FIELDS:
                return _("字段「%(key)s」不可导入。") % {"key": key}
            if key in used:
                return _("「%(field)s」同时映射了「%(a)s」和「%(b)s」两列，请只保留一列。") % {
                    "field": FIELDS[key][0],
                    "a": used[key],
                    "b": header,
                }
            used[key] = header
            mapping[header] = key
        state_map = dict(profile.state_map or {})
        for text, state in zip(
            request.POST.getlist("state_text"), request.POST.getlist("state_value"), strict=False
        ):
            if state in AppealState.values:
                state_map[text] = state
            elif state == IGNORE:
                state_map.pop(text, None)
        profile.mapping, profile.state_map = mapping, state_map
        try:
            resolve_mapping(headers, profile)
        except ImportFileError as exc:
            return exc.message
        profile.save()
        return None


@admin.register(ImportedAppeal)
class ImportedAppealAdmin(admin.ModelAdmin):
    list_display = ["source_system", "source_id", "appeal", "imported_at"]
    list_filter = ["source_system"]
    search_fields = ["source_id", "appeal__number"]
    list_select_related = ["appeal"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
