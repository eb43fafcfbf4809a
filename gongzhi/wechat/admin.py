from django.contrib import admin

from .models import Binding, InboundMessage, NoticeTemplate


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "template_id", "enabled", "updated_at")
    list_filter = ("enabled",)


@admin.register(Binding)
class BindingAdmin(admin.ModelAdmin):
    list_display = ("user", "subscribed", "created_at", "phone_confirmed_at")
    readonly_fields = ("openid", "user", "created_at", "phone_confirmed_at")
    search_fields = ("user__username", "user__display_name")

    def has_add_permission(self, request):
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("msg_type", "appeal", "received_at")
    readonly_fields = [f.name for f in InboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False
