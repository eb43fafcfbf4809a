"""Property-based fuzz: whatever a client sends to /open311/v2/, the answer is never a 5xx."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.appeals.open311.models import Open311Key

PATHS = [
    "discovery",
    "services",
    "services/T90101",
    "services/{text}",
    "requests",
    "requests/{text}",
    "tokens/{text}",
    "{text}",
]
PARAMS = [
    "service_request_id",
    "service_code",
    "start_date",
    "end_date",
    "status",
    "page",
    "page_size",
    "extensions",
    "api_key",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "phone",
    "first_name",
    "last_name",
    "email",
    "device_id",
    "account_id",
    "media_url",
    "attribute[kind]",
    "attribute[urgency]",
    "jurisdiction_id",
]
texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
dates = st.datetimes().map(lambda d: d.isoformat()) | st.sampled_from(
    ["2026-02-30", "9999-99-99T99:99:99Z", "-1"]
)
values = (
    texts
    | dates
    | st.integers(-(10**20), 10**20).map(str)
    | st.sampled_from(["T90101", "open,closed", "true"])
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    method=st.sampled_from(["get", "post"]),
    path=st.sampled_from(PATHS),
    fmt=st.sampled_from(["json", "xml", "csv", ""]),
    segment=texts.filter(lambda s: s and "/" not in s and "?" not in s and "#" not in s),
    params=st.dictionaries(st.sampled_from(PARAMS), values, max_size=8),
    valid_key=st.booleans(),
)
def test_no_input_gives_a_server_error(
    client, services_catalogue, county, raw_key, method, path, fmt, segment, params, valid_key
):
    url = "/open311/v2/" + path.format(text=segment) + (f".{fmt}" if fmt else "")
    if valid_key and method == "post":
        params = {**params, "api_key": raw_key}
    response = getattr(client, method)(url, params)
    assert response.status_code < 500, (url, params, response.content[:300])


@pytest.fixture
def raw_key(db):
    return Open311Key.issue("fuzz")[1]
