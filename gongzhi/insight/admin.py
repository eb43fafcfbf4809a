from django.contrib import admin

from . import gazetteer
from .models import Place


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    """地名库: learnt from the appeals every day, corrected here (a name, other spellings, "不是地点"). An edit is
    audited and marks the entry as edited, so learning never overwrites it."""

    list_display = ["name", "key", "kind", "appeals", "refused", "source", "updated_at"]
    list_filter = ["refused", "kind", "source"]
    search_fields = ["name", "key", "aliases"]
    readonly_fields = ["appeals", "source", "updated_at"]
    fields = ["key", "name", "aliases", "kind", "refused", "appeals", "source", "updated_at"]
    actions = ["refuse"]

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            old = Place.objects.get(pk=obj.pk)
            before = {
                "key": old.key,
                "name": old.name,
                "aliases": old.aliases,
                "kind": old.kind,
                "refused": old.refused,
            }
        super().save_model(request, obj, form, change)
        gazetteer.record_edit(request.user, obj, before)

    def has_delete_permission(self, request, obj=None):
        return False  # refuse it instead: a deleted entry would be learnt again

    @admin.action(description="标记为“不是地点”")
    def refuse(self, request, queryset):
        for place in queryset:
            before = {
                "key": place.key,
                "name": place.name,
                "aliases": place.aliases,
                "kind": place.kind,
                "refused": place.refused,
            }
            place.refused = True
            place.save(update_fields=["refused"])
            gazetteer.record_edit(request.user, place, before)
