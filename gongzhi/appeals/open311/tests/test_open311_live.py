"""Open311 against a running server: reads through the third-party PyPI client `georeport` (JSON and
XML), POSTs with a plain HTTP client exactly as the spec describes (form-encoded body, api_key field)."""

import pytest
import requests
from georeport import GeoReport

from gongzhi.appeals.models import Appeal

from .conftest import validate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def root(live_server):
    return f"{live_server.url}/open311/v2"


def test_georeport_client_reads_what_a_plain_post_created(root, api_key, services_catalogue, county):
    response = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": api_key,
            "service_code": "T90101",
            "lat": "28.194",
            "long": "112.982",
            "description": "幸福小区3栋门口的路灯坏了两周了。",
            "phone": "13812345678",
            "attribute[kind]": "complaint",
        },
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    number = response.json()[0]["service_request_id"]
    assert Appeal.objects.get(number=number).channel == "api"

    for fmt in ("json", "xml"):
        client = GeoReport(root, output_format=fmt)
        services = client.get_service_list()
        assert {"T90101", "T90102"} <= {s["service_code"] for s in services}
        definition = client.get_service_definition("T90101")
        assert definition["service_code"] == "T90101"
        one = client.get_service_request(number)
        assert one["service_request_id"] == number and one["status"] == "open"
        assert "13812345678" not in str(one)
        listed = client.get_service_requests(service_code="T90101", status="open")
        if fmt == "xml":  # xmltodict gives a dict for a single element
            listed = [listed] if isinstance(listed, dict) else listed
        assert [r["service_request_id"] for r in listed] == [number]
    validate("services.json", GeoReport(root).get_service_list())
    validate("requests.json", GeoReport(root).get_service_requests(service_request_id=number))
    validate("request.json", GeoReport(root).get_service_request(number))


def test_errors_over_http(root, api_key, services_catalogue, county):
    bad_key = requests.post(
        f"{root}/requests.xml",
        data={"api_key": "nope", "service_code": "T90101", "address_string": "幸福路"},
        timeout=10,
    )
    assert bad_key.status_code == 403 and bad_key.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert "<errors><error><code>403</code>" in bad_key.text
    missing = requests.post(f"{root}/requests.json", data={"api_key": api_key}, timeout=10)
    assert missing.status_code == 400 and all({"code", "description"} == set(e) for e in missing.json())
    with pytest.raises(requests.HTTPError) as info:
        GeoReport(root).get_service_definition("NOPE")
    assert info.value.response.status_code == 404
    with pytest.raises(requests.HTTPError) as info:
        GeoReport(root).get_service_requests(start_date="not-a-date")
    assert info.value.response.status_code == 400
