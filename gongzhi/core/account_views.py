"""My account (我的账户): the account's masked contact details and the notification preferences.

The page and `GET/PUT /api/v1/me/notification-preferences/` both call `notices.update_notification_preferences`.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import notices
from .errors import ServiceError
from .forms import ChineseForm
from .views import add_service_error


class NotificationPreferenceForm(ChineseForm):
    sms = forms.BooleanField(label=gettext_lazy("短信通知"), required=False)
    email = forms.BooleanField(label=gettext_lazy("邮件通知"), required=False)
    email_address = forms.EmailField(label=gettext_lazy("电子邮箱"), required=False, max_length=254,
                                     error_messages={"invalid": gettext_lazy("请输入正确的电子邮箱地址。")})

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.optional_kinds = [k for k in kinds if not k.mandatory]
        for kind in self.optional_kinds:
            self.fields[f"kind_{kind.key}"] = forms.BooleanField(label=kind.label, required=False,
                                                                help_text=kind.description)

    def kind_fields(self):
        return [self[f"kind_{k.key}"] for k in self.optional_kinds]

    def disabled_kinds(self) -> list[str]:
        return [k.key for k in self.optional_kinds if not self.cleaned_data.get(f"kind_{k.key}")]


@login_required
def account(request):
    user = request.user
    kinds = notices.kinds()
    summary = notices.preference_summary(user)
    enabled = {k["kind"]: k["enabled"] for k in summary["kinds"]}
    initial = {"sms": summary["sms"], "email": summary["email"], "email_address": user.email,
               **{f"kind_{k.key}": enabled[k.key] for k in kinds if not k.mandatory}}
    form = NotificationPreferenceForm(request.POST or None, initial=initial, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notices.update_notification_preferences(user, user, sms=data["sms"], email=data["email"],
                                                    email_address=data["email_address"],
                                                    disabled=form.disabled_kinds())
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("通知偏好已保存。"))
            return redirect("core:account")
    return render(request, "core/account.html", {
        "form": form, "summary": summary, "mandatory": [k for k in kinds if k.mandatory]})
