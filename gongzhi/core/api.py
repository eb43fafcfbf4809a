"""API plumbing shared by every app: one error shape, never a stack trace."""

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ServiceError

logger = logging.getLogger("gongzhi.api")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, ServiceError):
        body: dict[str, object] = {"code": exc.code, "detail": str(exc.message)}
        if exc.field:
            body["fields"] = {exc.field: [str(exc.message)]}
        return Response(body, status=exc.status)
    if isinstance(exc, exceptions.ParseError):
        exc = exceptions.ParseError(_("请求体不是合法的 JSON。"))
    elif isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound(_("未找到。"))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(_("您没有权限执行此操作。"))
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled API error", exc_info=exc)
        return Response(
            {"code": "server_error", "detail": _("服务器内部错误，请稍后再试。")},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "code": "invalid",
            "detail": _("提交的数据有误。"),
            "fields": flatten_errors(response.data),
        }
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {
            "code": getattr(exc, "default_code", "error"),
            "detail": str(response.data["detail"]),
        }
    return response


def flatten_errors(data: object, prefix: str = "") -> dict[str, list[str]]:
    """Field errors as one flat {field: [messages]} map, the shape ErrorSerializer documents: nested serializers
    and list items get dotted keys (`rows.0.area`, `attachments.2`); errors not tied to a field fall under
    `non_field_errors`. Found by fuzzing: nested errors broke the published schema."""
    if isinstance(data, dict):
        flat: dict[str, list[str]] = {}
        for key, value in data.items():
            flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(data, list) and any(isinstance(item, dict | list) for item in data):
        flat = {}
        for index, item in enumerate(data):
            if item:  # DRF gives {} for the list items that were valid
                flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    messages = data if isinstance(data, list) else [data]
    return {prefix or "non_field_errors": [str(message) for message in messages]}
