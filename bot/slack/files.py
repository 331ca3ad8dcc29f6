"""Files the Slack front end posts into a channel (the calendar's .ics, the programme timeline PNG), through
files.upload v2 (get an upload URL, send the bytes, complete the upload into the channel)."""
from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


class UploadFailed(Exception):
    """The file could not be posted: one line saying why (e.g. the bot is not in the channel)."""


class FileUploader:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def upload(self, channel_id: str, filename: str, data: bytes, title: str, comment: str) -> None:
        try:
            await self._client.files_upload_v2(channel=channel_id, file=data, filename=filename, title=title,
                                               initial_comment=comment)
        except SlackApiError as exc:
            data = getattr(exc.response, "data", None)
            status = getattr(exc.response, "status_code", "?")
            error = str(data.get("error")) if isinstance(data, dict) else f"HTTP {status}"
            hint = " (invite the bot to this channel first)" if error == "not_in_channel" else ""
            raise UploadFailed(f"Slack refused the file: {error}{hint}.") from None
        except (SlackClientError, OSError, TimeoutError) as exc:
            log.warning("upload of %s to %s failed: %s", filename, channel_id, exc)
            raise UploadFailed("The file could not be uploaded to Slack; try again later.") from None
