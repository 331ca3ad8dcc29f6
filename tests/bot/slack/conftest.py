from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.local_server import LocalServer
from tests.support.slack_mock import SlackMock

BOT_TOKEN = "xoxb-test-token-never-logged"


@pytest.fixture
async def slack(server: LocalServer) -> AsyncIterator[SlackMock]:
    mock = SlackMock(server)
    mock.install()
    yield mock


@pytest.fixture
def slack_client(slack: SlackMock) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_base)
