"""What Slack gained to match Discord and the CLI: `status`, `trials show` and `enable`, `calendar` posting the
.ics file and `lookup` posting the timeline picture (files upload v2 against the local mock), through bolt."""
from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import icalendar
import pytest
from PIL import Image

from bot.app import App
from bot.slack.frontend import SlackFrontEnd
from storage.models import CatalystDate, NewEvent
from tests.bot.slack.test_commands import ADMIN, MEMBER, Bot, body_text, settings_for
from tests.support.ctgov_fake import FakeCtgov, study
from tests.support.slack_files import SlackFiles
from tests.support.slack_mock import SlackMock
from watchers.record import add_events


@pytest.fixture
async def bot(slack: SlackMock, tmp_path: Path) -> AsyncIterator[Bot]:
    slack.users = {ADMIN: {"is_admin": True}, MEMBER: {"is_admin": False}}
    app = await App.open(settings_for(slack, tmp_path))
    front = SlackFrontEnd(app.settings)
    await front.start(app.core)
    try:
        yield Bot(app, front, slack, f"http://127.0.0.1:{front.port}/slack/events")
    finally:
        await front.stop()
        await app.close()


@pytest.fixture
def files(slack: SlackMock) -> SlackFiles:
    uploads = SlackFiles(slack)
    uploads.install()
    return uploads


async def test_status_answers_the_asker(bot: Bot) -> None:
    answer = await bot.ask("status", user=MEMBER)
    assert answer["response_type"] == "ephemeral"
    text = body_text(answer)
    assert "*version*\n0.1.0" in text
    assert "*last cycle*\nnone yet" in text
    assert "*outbox*\n0 waiting, 0 dead" in text
    assert "*front ends*\nnone connected" in text
    assert bot.slack.called("users.info") == []  # reading needs no permission check
    refused = await bot.ask("status now")
    assert "`status` takes no arguments" in refused["text"]


async def test_trials_show_and_enable(bot: Bot) -> None:
    answer = await bot.ask("trials show NCT01234567")
    assert "NCT01234567 is not watched" in answer["text"]
    answer = await bot.ask("trials show")
    assert "Give one NCT ID" in answer["text"]
    answer = await bot.ask("trials enable", user=MEMBER)
    assert "needs a workspace admin" in answer["text"]
    answer = await bot.ask("trials enable")
    assert answer["response_type"] == "in_channel" and "re-enabled" in body_text(answer)
    [registry] = await bot.app.store.sources.list("ctgov")
    assert not registry.disabled


async def test_calendar_uploads_the_ics_into_the_channel(bot: Bot, files: SlackFiles) -> None:
    pdufa = (date.today() + timedelta(days=40)).isoformat()
    await add_events(bot.app.store, [NewEvent(
        dedupe_key="c1", kind="regulatory", subtype="acceptance", title="BLA accepted for azer-cel",
        url="https://news.test/c1", programs=["azer-cel"],
        catalysts=[CatalystDate(kind="pdufa", label="PDUFA date", date=pdufa)])])
    answer = await bot.ask("calendar program:azer-cel remind:7", channel="C200")
    assert answer["response_type"] == "ephemeral"
    assert "Posted `catalysts.ics` (1 catalysts) in this channel." in body_text(answer)
    [posted] = files.shared
    assert (posted.filename, posted.channel_id, posted.title) == ("catalysts.ics", "C200", "Catalyst calendar")
    assert posted.initial_comment and "for azer-cel: 1 dates" in posted.initial_comment
    assert posted.data is not None and posted.length == len(posted.data)
    [event] = icalendar.Calendar.from_ical(posted.data).walk("VEVENT")
    assert str(event["summary"]) == "azer-cel: PDUFA date"
    files.not_in.add("C300")
    answer = await bot.ask("calendar", channel="C300")
    assert "not_in_channel (invite the bot to this channel first)" in answer["text"]
    assert "remind: takes 0 to 365" in (await bot.ask("calendar remind:400"))["text"]


async def test_lookup_posts_the_timeline_picture(bot: Bot, files: SlackFiles) -> None:
    card = await bot.ask("lookup azer-cel", channel="C200")
    assert card["blocks"][0]["text"]["text"] == "azer-cel"
    assert "The timeline picture is posted in this channel." in body_text(card)
    [posted] = files.shared
    assert (posted.filename, posted.channel_id, posted.title) == ("timeline.png", "C200", "azer-cel: timeline")
    assert posted.data is not None
    picture = Image.open(io.BytesIO(posted.data))
    assert picture.format == "PNG" and picture.size[0] == 1000 and picture.size[1] >= 200
    files.not_in.add("C300")
    card = await bot.ask("lookup azer-cel", channel="C300")
    assert card["blocks"][0]["text"]["text"] == "azer-cel"  # the card still comes, saying why the picture did not
    assert "Timeline picture not posted: Slack refused the file: not_in_channel" in body_text(card)


async def test_trials_watch_and_unwatch_a_programme_search(slack: SlackMock, tmp_path: Path, fake: FakeCtgov) -> None:
    slack.users = {ADMIN: {"is_admin": True}, MEMBER: {"is_admin": False}}
    fake.put(study("NCT07654321", title="A Study of Zeta-cel"))
    app = await App.open(settings_for(slack, tmp_path, ctgov_base_url=fake.base_url,
                                      ctgov_request_interval_seconds=0))
    front = SlackFrontEnd(app.settings)
    await front.start(app.core)
    bot = Bot(app, front, slack, f"http://127.0.0.1:{front.port}/slack/events")
    try:
        answer = await bot.ask("trials watch program:zeta-cel alias:ZC-1 sponsor:Acme")
        assert answer["response_type"] == "in_channel"
        assert "watches programme zeta-cel on ClinicalTrials.gov" in body_text(answer)
        query = await app.store.trials.find_query("zeta-cel")
        assert query is not None and query.terms == ["zeta-cel", "ZC-1"] and query.sponsor == "Acme"
        denied = await bot.ask("trials unwatch program:zeta-cel", user=MEMBER)
        assert "needs a workspace admin" in denied["text"]
        answer = await bot.ask("trials unwatch program:zeta-cel")
        assert "stopped watching programme zeta-cel" in body_text(answer)
        assert await app.store.trials.find_query("zeta-cel") is None
    finally:
        await front.stop()
        await app.close()
