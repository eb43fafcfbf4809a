"""The web nodes' gunicorn settings."""

import os
import subprocess
import sys

import pytest


@pytest.mark.slow  # a gunicorn process
def test_a_worker_loads_the_views_before_its_first_request():
    # In a fresh process (the worker's state after load_wsgi), the hook must leave the heavy view modules imported,
    # so no request pays for them.
    code = (
        "import django, sys; django.setup(); from django.core.wsgi import get_wsgi_application; "
        "get_wsgi_application(); assert 'gongzhi.insight.api' not in sys.modules; "
        "assert 'gongzhi.insight.tasks' not in sys.modules; "
        "from gongzhi import gunicorn_conf; gunicorn_conf.post_worker_init(None); "
        "print('gongzhi.insight.api' in sys.modules, 'gongzhi.appeals.api' in sys.modules, "
        "'gongzhi.insight.tasks' in sys.modules); import gc; print(gc.get_freeze_count() > 100000)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "gongzhi.settings"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True", "True", "True"]
