"""Production is the default (issue N item 15): development is opted into with GONGZHI_DEBUG=1, production refuses
to start without its own secret key, redirects plain HTTP (but the health check) and sends HSTS. Each case starts a
fresh interpreter, because the settings module reads the environment once."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[3]

PROBE = textwrap.dedent("""
    import json, django
    django.setup()
    from django.conf import settings
    from django.test import Client
    out = {"debug": settings.DEBUG, "key": settings.SECRET_KEY}
    if not settings.DEBUG:
        plain = Client().get("/api/v1/me/")
        secure = Client().get("/api/v1/me/", headers={"x-forwarded-proto": "https"})
        health = Client().get("/healthz")
        out.update(plain=[plain.status_code, plain.get("Location", "")], secure=secure.status_code,
                   hsts=secure.get("Strict-Transport-Security", ""), health=health.status_code,
                   cookie_secure=settings.SESSION_COOKIE_SECURE)
    print(json.dumps(out))
""")


# What a deployment's environment would not hold: the tests' own settings (the browser tests allow async-unsafe calls).
TEST_ONLY = ("GONGZHI_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")


def run(tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(TEST_ONLY)}
    base.update(
        DJANGO_SETTINGS_MODULE="gongzhi.settings",
        GONGZHI_SQLITE_PATH=str(tmp_path / "probe.sqlite3"),
        GONGZHI_LOG_FILE="",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=base, cwd=PROJECT, capture_output=True, text=True, timeout=120
    )


def test_without_the_variable_it_is_production_and_needs_a_key(tmp_path):
    done = run(tmp_path)
    assert done.returncode != 0
    assert "GONGZHI_SECRET_KEY is not set" in done.stderr and "GONGZHI_DEBUG=1" in done.stderr


def test_development_is_opted_into(tmp_path):
    import json

    done = run(tmp_path, GONGZHI_DEBUG="1")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["debug"] is True


def test_production_redirects_http_and_sends_hsts(tmp_path):
    import json

    done = run(
        tmp_path, GONGZHI_SECRET_KEY="a-real-deployment-key-" + "x" * 40, GONGZHI_ALLOWED_HOSTS="testserver"
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.splitlines()[-1])
    assert out["debug"] is False and out["cookie_secure"] is True
    assert out["plain"] == [301, "https://testserver/api/v1/me/"]
    assert out["secure"] in (
        401,
        403,
    )  # served over HTTPS (behind the proxy): the API answers, not a redirect
    assert out["hsts"].startswith("max-age=31536000") and "includeSubDomains" in out["hsts"]
    assert out["health"] != 301  # the load balancer's health check stays on plain HTTP


def test_check_deploy_asks_for_an_audit_key_of_its_own(settings):
    from gongzhi.core.checks import audit_keys

    settings.GONGZHI = {**settings.GONGZHI, "AUDIT_KEY": ""}
    assert [w.id for w in audit_keys(None)] == ["gongzhi.W001"]
    settings.GONGZHI = {**settings.GONGZHI, "AUDIT_KEY": "k" * 40}
    assert audit_keys(None) == []


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    """Issue K item 1: `gongzhi check --deploy` finds nothing with the settings a deployment sets."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(TEST_ONLY)}
    base.update(
        GONGZHI_SECRET_KEY="k" * 50 + "-a-real-deployment-key",
        GONGZHI_ALLOWED_HOSTS="gongzhi.example.gov.cn",
        GONGZHI_AUDIT_KEY="a" * 40,
        GONGZHI_SQLITE_PATH=str(tmp_path / "x.sqlite3"),
        GONGZHI_LOG_FILE="",
        GONGZHI_FIELD_KEYS="k2026:" + "A" * 43,
        GONGZHI_BLIND_INDEX_KEY="B" * 43,
    )
    done = subprocess.run(
        [sys.executable, "-m", "gongzhi.manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=base,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
