"""The pool's checkout check: no round trip for a quiet connection, the full check for one the server spoke on."""

import socket

import pytest

from gongzhi.core.db import pool as dbpool


class FakePgConn:
    def __init__(self, sock):
        self.socket = sock.fileno()


class FakeConnection:
    def __init__(self, sock, closed=False):
        self.pgconn = FakePgConn(sock)
        self.closed = closed


@pytest.fixture
def pair():
    ours, server = socket.socketpair()
    yield ours, server
    ours.close()
    server.close()


@pytest.fixture
def full_checks(monkeypatch):
    calls = []
    monkeypatch.setattr(dbpool.ConnectionPool, "check_connection", staticmethod(calls.append))
    return calls


def test_a_quiet_connection_costs_no_round_trip(pair, full_checks):
    conn = FakeConnection(pair[0])
    dbpool.check_pooled_connection(conn)
    assert full_checks == []


def test_a_connection_the_server_wrote_to_gets_the_full_check(pair, full_checks):
    conn = FakeConnection(pair[0])
    pair[1].sendall(b"E\x00\x00\x00\x10FATAL")  # what a terminating backend sends before closing
    dbpool.check_pooled_connection(conn)
    assert full_checks == [conn]


def test_a_connection_the_server_closed_gets_the_full_check(pair, full_checks):
    conn = FakeConnection(pair[0])
    pair[1].close()
    dbpool.check_pooled_connection(conn)
    assert full_checks == [conn]


def test_a_closed_connection_gets_the_full_check(pair, full_checks):
    conn = FakeConnection(pair[0], closed=True)
    dbpool.check_pooled_connection(conn)
    assert full_checks == [conn]
