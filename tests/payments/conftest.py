"""Every test here runs the real SDKs against the development gateways on 127.0.0.1, with
connections anywhere else refused."""
from __future__ import annotations

import pytest

from tests.support.payments import ALIPAY_SHOP, WECHAT_SHOP, Gateways, block_outside_connections


@pytest.fixture(scope="session")
def gateways(tmp_path_factory):
    running = Gateways(tmp_path_factory.mktemp("payments"))
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def outside_attempts(monkeypatch):
    return block_outside_connections(monkeypatch)


@pytest.fixture
def world(gateways):
    gateways.reset()
    return gateways


@pytest.fixture
def channels(world):
    return world.channels()


@pytest.fixture(params=["alipay", "wechat"])
def channel_name(request):
    return request.param


@pytest.fixture
def shop(channel_name):
    return ALIPAY_SHOP if channel_name == "alipay" else WECHAT_SHOP
