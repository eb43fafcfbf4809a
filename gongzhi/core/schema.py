"""The OpenAPI schema's error responses, per app: each app's 4xx/5xx answers reference `<App>Error`, whose `code` is
an enum of that app's catalogue (gongzhi/<app>/errors.py, registered in core.errors) plus the COMMON codes.

Views keep declaring `ErrorSerializer` (core.api_views' ERROR_* dicts); `AutoSchema` swaps it for the serving app's
own error component, found from the view's module, so core imports no app and no app repeats the plumbing.
"""

from typing import Any

from django.apps import apps
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from .errors import catalogues, codes_for
from .serializers import ErrorSerializer

_serializers: dict[str, type[ErrorSerializer]] = {}


def error_serializer(app_label: str) -> type[ErrorSerializer]:
    """ErrorSerializer with `code` limited to what the app answers; component name `<App>Error`, one per app."""
    if app_label not in _serializers:
        name = "".join(part.title() for part in app_label.split("_"))
        code = serializers.ChoiceField(
            choices=codes_for(app_label), help_text=f"错误代码（{app_label}，见 docs/api.md）"
        )
        _serializers[app_label] = type(
            f"{name}ErrorSerializer",
            (ErrorSerializer,),
            {
                "code": code,
                "__module__": __name__,
                "__doc__": f"{app_label} 的错误应答：代码、中文说明和逐项说明。",
            },
        )
    return _serializers[app_label]


def app_of(view: Any) -> str:
    """The label of the app whose module defines the view, when it has a catalogue; otherwise core."""
    config = apps.get_containing_app_config(type(view).__module__)
    label = config.label if config else "core"
    return label if label in catalogues() else "core"


class AutoSchema(SpectacularAutoSchema):
    def _get_response_for_code(
        self, serializer: Any, status_code: Any, media_types: Any = None, direction: str = "response"
    ) -> Any:
        if str(status_code)[:1] in ("4", "5"):
            serializer = self._app_error(serializer)
        # drf-spectacular leaves this method unannotated.
        return super()._get_response_for_code(serializer, status_code, media_types, direction)  # type: ignore[no-untyped-call]

    def _app_error(self, response: Any) -> Any:
        inner = response.response if isinstance(response, OpenApiResponse) else response
        if inner is not ErrorSerializer and type(inner) is not ErrorSerializer:
            return response
        own = error_serializer(app_of(self.view))
        if isinstance(response, OpenApiResponse):
            return OpenApiResponse(own, description=response.description, examples=response.examples)
        return own
