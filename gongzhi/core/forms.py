"""Forms of the core pages. They only parse input; the services decide."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

REQUIRED = {"required": _("此项为必填项。")}

# Django's own messages follow the browser's language; these keep every field error in Chinese.
CHINESE_ERRORS = {
    "required": _("此项为必填项。"),
    "invalid": _("请输入有效的值。"),
    "invalid_choice": _("请选择有效的选项。"),
    "invalid_list": _("请选择有效的选项。"),
    "invalid_pk_value": _("请选择有效的选项。"),
    "max_length": _("最多 %(limit_value)d 个字（当前 %(show_value)d 个）。"),
    "min_length": _("至少 %(limit_value)d 个字（当前 %(show_value)d 个）。"),
    "max_value": _("不能大于 %(limit_value)s。"),
    "min_value": _("不能小于 %(limit_value)s。"),
    "empty": _("上传的文件是空的。"),
    "missing": _("没有收到文件。"),
    "contradiction": _("请选择上传文件或勾选清除，不要同时进行。"),
}


class ChineseForm(forms.Form):
    """A form whose field errors are Chinese whatever language the browser asks for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            defaults = {}
            for cls in reversed(type(field).__mro__):
                defaults.update(getattr(cls, "default_error_messages", {}))
            for key, message in list(field.error_messages.items()):
                if key in CHINESE_ERRORS and message == defaults.get(key):  # not set by the form itself
                    field.error_messages[key] = CHINESE_ERRORS[key]
            for key in (
                "max_length",
                "min_length",
                "max_value",
                "min_value",
            ):  # codes of the field's validators
                field.error_messages.setdefault(key, CHINESE_ERRORS[key])
            if isinstance(field, forms.IntegerField) and field.error_messages["invalid"] == defaults.get(
                "invalid"
            ):
                field.error_messages["invalid"] = _("请输入整数。")


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确，请重新输入（注意区分大小写）。"),
        "inactive": _("该账号已停用。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        for field in self.fields.values():
            field.error_messages["required"] = _("此项为必填项。")


class PhoneForm(ChineseForm):
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        error_messages=REQUIRED,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "inputmode": "numeric",
                "autocomplete": "tel",
                "placeholder": _("11位手机号"),
            }
        ),
    )


class CodeForm(ChineseForm):
    code = forms.CharField(
        label=_("验证码"),
        max_length=6,
        min_length=6,
        error_messages={
            **REQUIRED,
            "min_length": _("验证码为6位数字。"),
            "max_length": _("验证码为6位数字。"),
        },
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "placeholder": _("6位数字")}
        ),
    )

    # On a first login the account is made: the person consents to the processing rules (个人信息保护法 第14条).
    agree = forms.BooleanField(label=_("我已阅读并同意《个人信息处理规则》"), required=False)

    def __init__(self, *args, first_login: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not first_login:
            del self.fields["agree"]

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("验证码为6位数字。"))
        return code


class RegisterResidentForm(ChineseForm):
    display_name = forms.CharField(label=_("姓名"), max_length=50, error_messages=REQUIRED)
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}),
    )
    id_number = forms.CharField(
        label=_("身份证号"), max_length=18, required=False, help_text=_("选填。居民本人同意后再登记。")
    )
    privacy_consent = forms.BooleanField(
        label=_("已向居民说明《个人信息处理规则》，居民同意"), required=False
    )
    id_number_consent = forms.BooleanField(
        label=_("登记身份证号：已说明用途（核实身份，仅承办单位可见），居民单独同意"), required=False
    )


# ---------------------------------------------------------------- what was typed, across a redirect

KEPT_INPUT = "kept_input"


def _form_key(form_class) -> str:
    return f"{form_class.__module__}.{form_class.__qualname__}"


def keep_input(request, form_class, back: str, error: str = "", field: str | None = None) -> None:
    """A form posted from a page that answers by going back to it (several forms on one page): keep what was
    typed, and a refusal of the service, in the session for that page to show again (`restore_input`)."""
    request.session[KEPT_INPUT] = {
        "form": _form_key(form_class),
        "back": back.split("#", 1)[0],
        "data": {key: request.POST.getlist(key) for key in request.POST if key != "csrfmiddlewaretoken"},
        "error": str(error),
        "field": field,
    }


def restore_input(request, forms_by_name: dict) -> None:
    """Rebind, in place, the one form of the page that was refused: its errors listed at its top and on its
    fields, and the text typed back in its boxes. Forms are rebuilt from their class with their initial and
    prefix; nothing happens on another page."""
    kept = request.session.get(KEPT_INPUT)
    if not kept or kept.get("back") != request.path:
        return
    del request.session[KEPT_INPUT]
    for name, form in forms_by_name.items():
        if form is None or _form_key(type(form)) != kept["form"]:
            continue
        data = QueryDict(mutable=True)
        for key, values in kept["data"].items():
            data.setlist(key, values)
        bound = type(form)(data, initial=form.initial, prefix=form.prefix)
        if bound.is_valid() and kept["error"]:
            bound.add_error(kept["field"] if kept["field"] in bound.fields else None, kept["error"])
        forms_by_name[name] = bound
        return
