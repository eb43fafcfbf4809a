"""Every write of 议事协商 (see votes.py's docstring); split by subdomain in the next commit."""

from .votes import *  # noqa: F403
