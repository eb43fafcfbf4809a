"""The community API's answers match the OpenAPI schema it publishes (what `make fuzz` checks at scale)."""

from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from .. import services


def test_an_organization_without_a_mentor_unit_matches_its_schema(users, county):
    """Found by `make fuzz`: mentor_unit_name is null until a mentor unit is assigned, but the schema said string."""
    org = services.register_organization(
        users["resident"], name="环境保护志愿队", domain="environment", region=county["community"]
    )
    client = APIClient()
    client.force_authenticate(users["resident"])
    body = client.get(f"/api/v1/community/organizations/{org.pk}/").json()
    properties = SchemaGenerator().get_schema(public=True)["components"]["schemas"]["Organization"][
        "properties"
    ]
    assert body["mentor_unit_name"] is None
    for name, value in body.items():
        if value is None:
            assert properties[name].get("nullable"), name
