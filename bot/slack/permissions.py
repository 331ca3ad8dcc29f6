"""Who may change configuration from Slack: workspace admins/owners, or members of one configured user group."""
from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0


class SlackPermissions:
    """Answers `can_manage(user)` from users.info and usergroups.users.list, cached briefly.

    The cache keeps a burst of commands from spending Slack's per-method rate limits; a minute is short enough
    that removing someone from the group takes effect quickly. Any API failure denies (fail closed).
    """

    def __init__(self, client: AsyncWebClient, admin_group: str | None = None,
                 cache_seconds: float = CACHE_SECONDS) -> None:
        self._client = client
        self._group = admin_group or None
        self._ttl = cache_seconds
        self._users: dict[str, tuple[float, bool]] = {}
        self._members: tuple[float, frozenset[str]] | None = None

    @property
    def group(self) -> str | None:
        return self._group

    async def can_manage(self, user_id: str) -> bool:
        now = time.monotonic()
        cached = self._users.get(user_id)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        allowed = await self._is_admin(user_id) or await self._in_group(user_id, now)
        self._users[user_id] = (now, allowed)
        return allowed

    async def _is_admin(self, user_id: str) -> bool:
        try:
            response = await self._client.users_info(user=user_id)
        except (SlackApiError, SlackClientError) as exc:
            log.warning("users.info failed for %s: %s", user_id, _error(exc))
            return False
        user = response.get("user") or {}
        return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))

    async def _in_group(self, user_id: str, now: float) -> bool:
        if self._group is None:
            return False
        if self._members is None or now - self._members[0] >= self._ttl:
            try:
                response = await self._client.usergroups_users_list(usergroup=self._group)
            except (SlackApiError, SlackClientError) as exc:
                log.warning("usergroups.users.list failed for %s: %s", self._group, _error(exc))
                return False
            self._members = (now, frozenset(response.get("users") or []))
        return user_id in self._members[1]


def _error(exc: Exception) -> str:
    # Only Slack's error code: the exception text would include the whole response.
    response = getattr(exc, "response", None)
    return str(response.get("error")) if response is not None else type(exc).__name__
