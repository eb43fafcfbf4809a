"""Content-Security-Policy and the other security headers (the browser check: tests/e2e/test_security_csp.py)."""

import pytest
from django.test import Client


def test_headers_on_a_page():
    response = Client().get("/")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"  # no inline script on this page: not even a nonce
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["img-src"] == "'self' data:"
    assert policy["form-action"] == "'self'" and policy["base-uri"] == "'self'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_every_inline_script_carries_the_nonce(users):
    client = Client()
    client.force_login(users["leader"])
    response = client.get("/insight/")
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    html = response.content.decode()
    inline = [
        chunk
        for chunk in html.split("<script")[1:]
        if "src=" not in chunk.split(">")[0] and 'type="application/json"' not in chunk.split(">")[0]
    ]
    assert inline and all(f'nonce="{nonce}"' in chunk.split(">")[0] for chunk in inline)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert nonce not in client.get("/insight/").content.decode()  # a fresh nonce per response
