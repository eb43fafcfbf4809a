"""core.geo: boundaries are checked, `locate` finds the deepest region holding a point, the import matches codes."""

import json

import pytest
from django.core.management import CommandError, call_command

from gongzhi.core import geo
from gongzhi.core.models import AuditEvent, Region
from gongzhi.core.testing import box, client_for, give_boundaries

pytestmark = pytest.mark.django_db


@pytest.fixture
def bounded(county):
    return give_boundaries(county)


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (112.1, 28.2, "grid"),  # inside the grid
        (112.4, 28.2, "community"),  # the community, outside its one grid
        (112.4, 28.8, "street"),  # the street, outside its community
        (112.65, 28.15, "other_community"),  # first square of the MultiPolygon
        (112.85, 28.65, "other_community"),  # second square
        (112.75, 28.4, "other_street"),  # between the squares
    ],
)
def test_locate_finds_the_deepest_region(bounded, lon, lat, expected):
    found = geo.locate(lon, lat)
    assert found is not None and found.code == bounded[expected].code


def test_locate_outside_every_boundary_is_none(bounded):
    assert geo.locate(111.9, 28.5) is None
    assert geo.locate(112.5, 29.5) is None
    assert (
        geo.locate("x", 28) is None and geo.locate(200, 28) is None and geo.locate(float("nan"), 28) is None
    )


def test_locate_on_an_edge_is_deterministic(bounded):
    # 112.25 is the grid's east edge, inside the community: the grid (deeper) wins
    assert geo.locate(112.25, 28.3).code == bounded["grid"].code
    # 112.5 is the edge between the two streets, both at one level: the smaller code (430101 东风街道)
    assert geo.locate(112.5, 28.8).code == bounded["street"].code
    # the county's own corner is still inside
    assert geo.locate(113.0, 29.0).code == bounded["other_street"].code


def test_locate_sees_a_changed_boundary_at_once(bounded):
    assert geo.locate(112.1, 28.2).code == bounded["grid"].code
    geo.set_boundary(None, bounded["grid"], box(112.3, 28.0, 112.5, 28.5))  # the grid moves east
    assert geo.locate(112.1, 28.2).code == bounded["community"].code
    # a write behind the services' back (bulk update: no signals) is seen too (core.refcache's triggers)
    Region.objects.filter(pk=bounded["grid"].pk).update(boundary=box(112.0, 28.0, 112.25, 28.5))
    assert geo.locate(112.1, 28.2).code == bounded["grid"].code


def test_no_boundaries_locates_nothing(county):
    assert geo.locate(112.1, 28.2) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"type": "Point", "coordinates": [112, 28]}, "不能是「Point」"),
        (
            {"type": "Polygon", "coordinates": [[[112, 28], [113, 29], [113, 28], [112, 29], [112, 28]]]},
            "自相交",
        ),
        (box(112, 28, 190, 29), "WGS-84"),
        ({"type": "Polygon", "coordinates": "nonsense"}, "坐标格式"),
        ("{not json", "GeoJSON 文本"),
        ([1, 2], "GeoJSON 对象"),
    ],
)
def test_bad_boundaries_are_refused_in_chinese(value, message):
    with pytest.raises(geo.BoundaryError) as caught:
        geo.clean_boundary(value)
    assert message in caught.value.message


def test_a_feature_or_its_json_text_is_taken():
    feature = {"type": "Feature", "properties": {}, "geometry": box(112, 28, 113, 29)}
    assert geo.clean_boundary(feature) == geo.clean_boundary(json.dumps(box(112, 28, 113, 29)))
    assert geo.clean_boundary(None) is None and geo.clean_boundary("") is None


def test_set_boundary_writes_the_audit_trail(county, users):
    assert geo.set_boundary(users["supervisor"], county["grid"], box(112.0, 28.0, 112.25, 28.5))
    event = AuditEvent.objects.get(action="set_region_boundary")
    assert event.target == f"core.region:{county['grid'].code}" and event.actor == users["supervisor"]
    assert event.before == {"boundary": None} and event.after["boundary"]["type"] == "Polygon"
    assert event.after["boundary"]["bounds"] == [112.0, 28.0, 112.25, 28.5]
    assert not geo.set_boundary(
        users["supervisor"], county["grid"], box(112.0, 28.0, 112.25, 28.5)
    )  # unchanged
    assert AuditEvent.objects.filter(action="set_region_boundary").count() == 1


def _collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(geometry, **properties):
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def test_import_matches_codes_and_reports_the_rest(county, tmp_path):
    path = tmp_path / "divisions.geojson"
    path.write_text(
        json.dumps(
            _collection(
                _feature(
                    box(112, 28, 113, 29), adcode=430100, name="示范县"
                ),  # adcode as a number, as DataV has it
                _feature(box(112, 28, 112.5, 29), gb="430101", name="东风街道"),
                _feature(box(112, 28, 112.5, 28.5), code="43010101"),
                _feature(box(120, 30, 121, 31), code="999999", name="外县"),
                _feature(box(120, 30, 121, 31), name="无编码"),
            ),
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    call_command("import_boundaries", str(path), "--dry-run")
    assert not Region.objects.filter(boundary__isnull=False).exists()
    from io import StringIO

    out = StringIO()
    call_command("import_boundaries", str(path), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert json.loads(lines[-1]) == {"matched": 3, "changed": 3, "unknown": 1, "invalid": 0}
    assert any("999999（外县）" in line for line in lines) and any(
        "1 个要素没有编码" in line for line in lines
    )
    assert set(Region.objects.filter(boundary__isnull=False).values_list("code", flat=True)) == {
        "430100",
        "430101",
        "43010101",
    }
    assert geo.locate(112.1, 28.1).code == "43010101"
    assert AuditEvent.objects.filter(action="set_region_boundary").count() == 3


def test_import_refuses_the_whole_file_for_one_bad_geometry(county, tmp_path):
    path = tmp_path / "bad.geojson"
    bowtie = {"type": "Polygon", "coordinates": [[[112, 28], [113, 29], [113, 28], [112, 29], [112, 28]]]}
    path.write_text(
        json.dumps(
            _collection(_feature(box(112, 28, 113, 29), code="430100"), _feature(bowtie, code="430101"))
        )
    )
    with pytest.raises(CommandError, match="未导入"):
        call_command("import_boundaries", str(path))
    assert not Region.objects.filter(boundary__isnull=False).exists()


@pytest.mark.parametrize("content", ["[1, 2]", "not json", '{"type": "Feature"}'])
def test_import_refuses_what_is_not_a_feature_collection(county, tmp_path, content):
    path = tmp_path / "x.geojson"
    path.write_text(content)
    with pytest.raises(CommandError):
        call_command("import_boundaries", str(path))


def test_import_of_a_missing_file_is_a_clear_error(db):
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("import_boundaries", "/nonexistent/x.geojson")


# ---------------------------------------------------------------- the API


def test_api_locate_answers_the_deepest_region_with_its_ancestors(bounded, client):
    response = client.get("/api/v1/regions/locate/", {"lon": "112.1", "lat": "28.2"})  # no account needed
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["name"], body["level"]) == ("4301010101", "幸福一网格", "grid")
    assert [a["code"] for a in body["ancestors"]] == ["4301010101", "43010101", "430101", "430100"]


def test_api_locate_outside_is_404_in_chinese(bounded, client):
    response = client.get("/api/v1/regions/locate/", {"lon": "100", "lat": "28.2"})
    assert response.status_code == 404
    assert response.json() == {"code": "outside", "detail": "该位置不在本县范围内，请重新选择。"}


@pytest.mark.parametrize(
    ("query", "field"),
    [({"lat": "28"}, "lon"), ({"lon": "abc", "lat": "28"}, "lon"), ({"lon": "112", "lat": "95"}, "lat")],
)
def test_api_locate_bad_input_is_400(bounded, client, query, field):
    response = client.get("/api/v1/regions/locate/", query)
    assert response.status_code == 400 and field in response.json()["fields"]


# ---------------------------------------------------------------- the admin


def test_admin_import_page_checks_then_imports(county, users, tmp_path):
    from django.contrib.auth.models import Permission
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin_user = users["supervisor"]
    admin_user.is_superuser = True
    admin_user.save()
    client = client_for(admin_user)
    assert Permission.objects.exists()
    data = json.dumps(
        _collection(
            _feature(box(112, 28, 113, 29), code="430100"), _feature(box(120, 30, 121, 31), code="999999")
        )
    ).encode()
    page = client.post(
        "/admin/core/region/import-boundaries/", {"file": SimpleUploadedFile("a.geojson", data), "check": "1"}
    )
    assert page.status_code == 200 and "未找到区域编码 1 个" in page.content.decode()
    assert not Region.objects.filter(boundary__isnull=False).exists()
    done = client.post(
        "/admin/core/region/import-boundaries/", {"file": SimpleUploadedFile("a.geojson", data), "save": "1"}
    )
    assert done.status_code == 302
    assert Region.objects.filter(boundary__isnull=False).get().code == "430100"
    bad = client.post(
        "/admin/core/region/import-boundaries/",
        {"file": SimpleUploadedFile("a.geojson", b"{oops"), "save": "1"},
    )
    assert "JSON 格式错误" in bad.content.decode()


def test_admin_change_form_validates_and_audits_the_boundary(county, users):
    admin_user = users["supervisor"]
    admin_user.is_superuser = True
    admin_user.save()
    client = client_for(admin_user)
    grid = county["grid"]
    url = f"/admin/core/region/{grid.pk}/change/"
    form = {"code": grid.code, "name": grid.name, "level": grid.level, "parent": county["community"].pk}
    bad = client.post(url, {**form, "boundary": json.dumps({"type": "Point", "coordinates": [112, 28]})})
    assert bad.status_code == 200 and "不能是「Point」" in bad.content.decode()
    good = client.post(url, {**form, "boundary": json.dumps(box(112.0, 28.0, 112.25, 28.5))})
    assert good.status_code == 302
    assert Region.with_boundary.get(pk=grid.pk).boundary == box(112.0, 28.0, 112.25, 28.5)
    assert AuditEvent.objects.filter(action="set_region_boundary", actor=admin_user).count() == 1


# ---------------------------------------------------------------- the maps' configuration


@pytest.mark.parametrize(
    ("template", "source"),
    [
        ("https://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&l={z}&tk=KEY", "https://*.tianditu.gov.cn"),
        ("https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}", "https://*.is.autonavi.com"),
        ("http://tiles.intranet.local:8080/{z}/{x}/{y}.png", "http://tiles.intranet.local:8080"),
        ("", None),
        ("javascript:alert(1)", None),
        ("/tiles/{z}/{x}/{y}.png", None),
    ],
)
def test_the_csp_allows_the_tile_host_only(template, source):
    from gongzhi.core.maps import tile_csp_source

    assert tile_csp_source(template) == source


def test_configured_tiles_reach_the_csp_and_the_page(tmp_path):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "GONGZHI_MAP_TILES": "https://t{s}.tianditu.gov.cn/{z}/{x}/{y}",
        "GONGZHI_MAP_CRS": "wgs84",
        "DJANGO_SETTINGS_MODULE": "gongzhi.settings",
    }
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(' '.join(settings.SECURE_CSP['img-src']))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out[-1] == "https://*.tianditu.gov.cn"
    env["GONGZHI_MAP_CRS"] = "mercator"
    bad = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.SECURE_CSP"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "GONGZHI_MAP_CRS" in bad.stderr


def test_the_map_config_reaches_the_page(client, county, settings):
    settings.GONGZHI_MAP_TILES = "https://t{s}.tianditu.gov.cn/{z}/{x}/{y}"
    settings.GONGZHI_MAP_ATTRIBUTION = "天地图"
    settings.GONGZHI_MAP_SUBDOMAINS = "01234567"
    page = client.get("/appeals/new/").content.decode()
    config = json.loads(
        page.split('<script id="map-config" type="application/json">')[1].split("</script>")[0]
    )
    assert config == {
        "tiles": "https://t{s}.tianditu.gov.cn/{z}/{x}/{y}",
        "attribution": "天地图",
        "subdomains": "01234567",
        "crs": "wgs84",
        "boundaries": "/api/v1/regions/boundaries/",
        "locate": "/api/v1/regions/locate/",
    }


def test_api_boundaries_are_geojson_for_maps(bounded, client):
    body = client.get("/api/v1/regions/boundaries/").json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 6
    streets = client.get("/api/v1/regions/boundaries/", {"level": "street"}).json()["features"]
    assert {f["properties"]["code"] for f in streets} == {"430101", "430102"}
    assert client.get("/api/v1/regions/boundaries/", {"level": "planet"}).status_code == 400
