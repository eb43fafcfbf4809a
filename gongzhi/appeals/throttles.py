"""The limit on appeals submitted without an account, per client address: one limit that the API's POST and the
appeal form share (the form had none, each request with up to 9 × 10 MB of attachments), keyed by the address of
core.clientaddr (DRF's own key trusted any X-Forwarded-For a client sent). Issue N item 7."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from gongzhi.core.clientaddr import client_ip
from gongzhi.core.conf import setting


class AnonymousSubmitThrottle(AnonRateThrottle):
    scope = "anonymous_submit"

    def get_rate(self) -> str:
        return settings.GONGZHI["ANONYMOUS_SUBMIT_RATE"]

    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"


def allow_anonymous_submit(request) -> bool:
    """For the form: True when an anonymous submission from this address is within the limit (and counts it)."""
    # The stubs want a view; the form has none, and the anonymous throttle never looks at it.
    return AnonymousSubmitThrottle().allow_request(request, None)  # type: ignore[arg-type]


class PublicReadThrottle(AnonRateThrottle):
    """Anonymous reads of public data (the density map), per client address; signed-in users are not limited."""

    scope = "public_read"

    def get_rate(self) -> str:
        return setting("PUBLIC_READ_RATE")

    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"
