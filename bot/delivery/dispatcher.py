"""Drains the outbox to the sinks: channels concurrently (each in order), retries with exponential back-off, gives
up cleanly."""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.delivery.digest import build_digest
from bot.delivery.sink import Sent, Sink, SinkError
from bot.delivery.threads import high_materiality, topics
from storage.models import Conversation, PendingDelivery, utcnow
from storage.store import Store
from watchers.fetch.rate_limit import RateLimiter

log = logging.getLogger(__name__)

_HOST = socket.gethostname()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


# How long a claimed batch stays this dispatcher's: long enough to send it through rate limits; a process that
# dies holding claims delays those alerts by at most this much before another process retries them.
CLAIM_LEASE = timedelta(minutes=5)
# A rate limit this short is waited out inside the drain, the channel holding its order behind the refused alert,
# at most SHORT_LIMIT_WAITS times in a row; a longer (or persistent) one defers the channel to a later drain.
# Platform libraries retry short limits themselves, but only so often (discord.py gives up after 5 tries), and
# channels sent to concurrently can make one request meet a shared limit more times than that.
SHORT_LIMIT_SECONDS = 5.0
SHORT_LIMIT_WAITS = 5


@dataclass
class DispatchReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    rate_limited: int = 0
    paused: int = 0  # deferred because the platform refused the bot's token


def _short_limit(exc: SinkError) -> bool:
    return exc.rate_limited and exc.retry_after is not None and exc.retry_after <= SHORT_LIMIT_SECONDS


class Dispatcher:
    def __init__(
        self, store: Store, sinks: list[Sink], max_attempts: int = 8, base_delay_seconds: float = 30.0,
        auth_retry_seconds: float = 300.0, claim_lease_seconds: float = CLAIM_LEASE.total_seconds(),
        max_concurrent: int = 50, global_rates: dict[str, float] | None = None,
    ) -> None:
        self._store = store
        self._sinks = {s.platform: s for s in sinks}
        self._max_attempts = max_attempts
        self._base_delay = base_delay_seconds
        self._auth_retry = auth_retry_seconds
        self._lease = timedelta(seconds=claim_lease_seconds)
        # platform → until when its sink is paused because the platform refused the bot's token.
        self._paused: dict[str, datetime] = {}
        self._lock = asyncio.Lock()
        # Sends in flight at once, over all channels, and each platform's global pace (Discord: 50 a second
        # per bot, whichever channels they go to); per-channel limits are the platform library's.
        self._gate = asyncio.Semaphore(max_concurrent)
        # 3 % below the limit: a send paced exactly at it can still land 101st in some second (network jitter).
        self._global = {p: RateLimiter(rate * 0.97) for p, rate in (global_rates or {}).items() if rate > 0}
        self._wake = asyncio.Event()
        # Who holds a claim: host and pid (so a restarted bot can tell its killed predecessor's claims), then
        # unique per dispatcher.
        self._owner = f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    async def drain(self, batch: int = 200, channel: tuple[str, str] | None = None) -> DispatchReport:
        """Send every due delivery (of one (platform, channel) when given), oldest first (so each channel sees
        alerts in order).

        Each batch is claimed first (a lease in the store), so another process draining the same store skips it.
        """
        report = DispatchReport()
        async with self._lock:
            renewer = asyncio.create_task(self._renew_claims())
            try:
                return await self._drain(batch, report, channel)
            finally:
                renewer.cancel()
                await asyncio.gather(renewer, return_exceptions=True)
                await self._release()

    async def _renew_claims(self) -> None:
        """While this drain runs, its claims are extended every quarter lease: a batch sent slowly (rate limits, a
        platform answering late) stays this process's however long it takes, so another process draining the
        same store cannot take it over and send it again. A process that dies stops renewing: its claims lapse."""
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 4)
            try:
                await self._store.outbox.renew(self._owner, utcnow() + self._lease)
            except Exception as exc:  # the next renewal tries again; the lease still covers a quarter's gap
                log.warning("could not renew claimed deliveries: %s", exc)

    async def _drain(self, batch: int, report: DispatchReport, only: tuple[str, str] | None) -> DispatchReport:
        """Claim batches and feed one ordered queue per channel; each channel has its own sender, all running
        concurrently under the global cap. The next batch is claimed while the last is being sent (at most
        `batch` deliveries wait in the queues), so no channel idles at a batch boundary."""
        await self._release_dead_claims()
        refused: set[str] = set()  # platforms that refused the token during this drain
        blocked: set[tuple[str, str]] = set()  # channels stopped by a failure: nothing overtakes it
        queues: dict[tuple[str, str], deque[PendingDelivery]] = {}
        senders: dict[tuple[str, str], asyncio.Task[None]] = {}
        progress = asyncio.Event()
        try:
            while True:
                now = utcnow()
                due = await self._store.outbox.claim(list(self._sinks), self._owner, now, now + self._lease, batch,
                                                     channel=only)
                if not due:
                    running = [t for t in senders.values() if not t.done()]
                    if not running:
                        return report
                    await asyncio.gather(*running)  # what they leave undone may be claimable again
                    continue
                for pending in due:
                    channel = (pending.delivery.platform, pending.delivery.channel_id)
                    if channel in blocked:
                        continue  # stays claimed until the drain ends, then released
                    queues.setdefault(channel, deque()).append(pending)
                    task = senders.get(channel)
                    if task is None or task.done():
                        senders[channel] = asyncio.create_task(
                            self._send_channel(channel, queues[channel], blocked, refused, report, progress))
                while sum(len(q) for q in queues.values()) >= batch:
                    progress.clear()
                    await progress.wait()
        finally:
            for task in senders.values():
                task.cancel()
            await asyncio.gather(*senders.values(), return_exceptions=True)

    async def _send_channel(
        self, channel: tuple[str, str], queue: deque[PendingDelivery], blocked: set[tuple[str, str]],
        refused: set[str], report: DispatchReport, progress: asyncio.Event,
    ) -> None:
        """One channel's queue, in order, until it is empty; stops the channel at the first failure."""
        platform = channel[0]
        sink = self._sinks[platform]
        try:
            while queue:
                if platform in refused or self._is_paused(platform):
                    blocked.add(channel)
                    return
                pending = queue.popleft()
                waits = 0
                while True:
                    try:
                        sent = await self._send_gated(sink, pending)
                    except SinkError as exc:
                        if _short_limit(exc) and waits < SHORT_LIMIT_WAITS:
                            waits += 1  # no attempt used: the platform only said "a moment"
                            await asyncio.sleep(exc.retry_after or 0.0)
                            continue
                        blocked.add(channel)
                        if exc.auth_failed:
                            refused.add(platform)
                        await self._failed(pending, exc, report)
                        return
                    except Exception as exc:  # a sink bug must not stop delivery to other channels
                        log.exception("sink %s crashed", sink.platform)
                        blocked.add(channel)
                        await self._failed(pending, SinkError(f"{type(exc).__name__}: {exc}"), report)
                        return
                    break
                self._resume(platform)
                await self._store.outbox.mark_delivered([pending.delivery.id], sent.message_id, sent.thread_id)
                await self._remember_conversation(pending, sent)
                report.sent += 1
                progress.set()
        finally:
            if channel in blocked:
                queue.clear()
            progress.set()

    async def _send_gated(self, sink: Sink, pending: PendingDelivery) -> Sent:
        """One send under the global cap of sends in flight and the platform's global pace."""
        async with self._gate:
            limiter = self._global.get(sink.platform)
            if limiter is not None:
                await limiter.wait()  # the platform's global limit, across every channel
                if pending.delivery.is_update:
                    await limiter.wait()  # an update is two requests: the edit and the reply
            return await self._send(sink, pending)

    def wake(self) -> None:
        """Deliveries were queued: the waiting loop (`run_when_woken`) drains now, not at the next interval."""
        self._wake.set()

    async def run_when_woken(self) -> None:
        """Drain each time `wake` is called, until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.drain()
            except Exception:  # the interval job drains again later; this loop must survive
                log.exception("delivery after a wake-up failed")

    async def _send(self, sink: Sink, pending: PendingDelivery) -> Sent:
        """Post an alert (a follow-up in its conversation's thread when the channel has one), or an update:
        the posted alert edited, then a reply saying what changed. Each step that cannot be repeated safely is
        recorded first, so a retry after a crash neither edits twice nor replies twice."""
        delivery, event = pending.delivery, pending.event
        keys = topics(event)
        if keys and delivery.platform != "console":
            pending.conversation = await self._store.conversations.find(delivery.platform, delivery.channel_id, keys)
        if delivery.is_update:
            posted = await self._store.outbox.posted_message(event.id, delivery.platform, delivery.channel_id)
            if posted is None:
                return Sent(None)  # the channel never got the alert (or the platform gives no ids): nothing to edit
            pending.original_message_id, pending.original_thread_id = posted
            if pending.conversation is None:
                pending.conversation = Conversation(platform=delivery.platform, channel_id=delivery.channel_id,
                                                    topic="", root_message_id=posted[0], thread_id=posted[1])
            edit = getattr(sink, "edit", None)
            if edit is not None and delivery.progress != "edited":
                await edit(pending)
                await self._store.outbox.mark_progress(delivery.id, "edited")
        pending.broadcast = pending.conversation is not None and high_materiality(event)
        if pending.conversation is not None or getattr(sink, "looks_before_reposting", False):
            # Before the post: a retry that finds this mark looks for the post before making it again (Discord
            # needs none for a message: its nonce does that).
            await self._store.outbox.mark_sending(delivery.id, utcnow())
        result = await sink.send(pending)
        return result if isinstance(result, Sent) else Sent(result)

    async def _remember_conversation(self, pending: PendingDelivery, sent: Sent) -> None:
        """The first alert about a topic in a channel starts its conversation; a follow-up whose thread was gone
        (posted top-level instead) starts it again; a thread created on the root is remembered."""
        delivery = pending.delivery
        keys = topics(pending.event)
        if delivery.is_update or not keys or sent.message_id is None:
            return
        conversation = pending.conversation
        if conversation is None or sent.new_root:
            thread = sent.thread_id if sent.thread_id == sent.message_id else None  # a forum post is its own thread
            await self._store.conversations.start(delivery.platform, delivery.channel_id, keys, sent.message_id,
                                                  thread, utcnow())
        elif sent.thread_id and conversation.thread_id != sent.thread_id:
            await self._store.conversations.set_thread(delivery.platform, delivery.channel_id,
                                                       conversation.root_message_id, sent.thread_id)

    async def _release_dead_claims(self) -> None:
        """Release claims of processes on this host that are gone (a bot killed mid-drain and restarted): their
        alerts go out now rather than when the lease ends. Other hosts' claims can only expire."""
        for owner in await self._store.outbox.claimants(utcnow()):
            host, _, pid = owner.rpartition(":")[0].rpartition(":")  # HOST:PID:ID
            if host == _HOST and pid.isdigit() and not _alive(int(pid)):
                log.info("releasing deliveries claimed by %s, which is no longer running", owner)
                await self._store.outbox.release(owner)

    async def _release(self) -> None:
        try:
            await self._store.outbox.release(self._owner)
        except Exception as exc:  # the claims expire on their own; releasing only saves the wait
            log.warning("could not release claimed deliveries: %s", exc)

    async def send_digests(self, now: datetime) -> DispatchReport:
        """At each digest subscription's hour, post the day's queued alerts as one grouped message."""
        report = DispatchReport()
        async with self._lock:
            renewer = asyncio.create_task(self._renew_claims())
            try:
                await self._send_digests(now, report)
            finally:
                renewer.cancel()
                await asyncio.gather(renewer, return_exceptions=True)
                await self._release()  # a digest that failed is claimable again at the next run within the hour
        return report

    async def _send_digests(self, now: datetime, report: DispatchReport) -> None:
        for sub in await self._store.subscriptions.list():
            if sub.mode != "digest" or sub.disabled or sub.digest_hour != now.hour:
                continue
            sink = self._sinks.get(sub.platform)
            marker = f"digest:{sub.id}"
            if sink is None or await self._store.meta.get(marker) == now.date().isoformat():
                continue
            # Claimed like instant alerts, so two processes at the digest hour post it once.
            started = utcnow()
            pending = await self._store.outbox.claim_digest(sub.id, self._owner, started, started + self._lease)
            if not pending and await self._store.outbox.for_digest(sub.id, limit=1):
                continue  # another process holds it: done or retried by that one, not marked done here
            if pending:
                digest = build_digest(sub, [p.event for p in pending])
                try:
                    message_id = await sink.send_digest(digest)
                except SinkError as exc:
                    if exc.permanent:
                        await self._store.disable_subscription(sub.id, str(exc))
                    log.warning("digest for subscription %s failed: %s", sub.id, exc)
                    report.failed += 1
                    continue  # tried again at the next run within the hour
                await self._store.outbox.mark_delivered([p.delivery.id for p in pending], message_id)
                report.sent += len(pending)
            await self._store.meta.set(marker, now.date().isoformat())

    def _is_paused(self, platform: str) -> bool:
        until = self._paused.get(platform)
        return until is not None and utcnow() < until

    def _resume(self, platform: str) -> None:
        if self._paused.pop(platform, None) is not None:
            log.warning("%s accepts the bot's token again: delivery resumed", platform)

    async def _failed(self, pending: PendingDelivery, exc: SinkError, report: DispatchReport) -> None:
        delivery_id, attempts = pending.delivery.id, pending.delivery.attempts
        if exc.permanent:
            # The channel is gone or forbidden: every subscription this delivery stood for is, too.
            for sub in pending.subscriptions:
                log.warning("subscription %s disabled: %s", sub.id, exc)
                await self._store.disable_subscription(sub.id, str(exc))
            report.dead += 1
            return
        if exc.auth_failed:
            # The bot's own token is refused: no channel's fault and no attempt used up. The whole sink pauses
            # (one log line per outage, not one per alert) and tries again later, until the token works.
            platform = pending.delivery.platform
            if platform not in self._paused:
                log.error("%s refused the bot's token (%s): its deliveries are paused and retried every %.0f s "
                          "until it works", platform, exc, self._auth_retry)
            until = utcnow() + timedelta(seconds=self._auth_retry)
            self._paused[platform] = until
            await self._store.outbox.mark_attempt_failed(delivery_id, str(exc), until, give_up=False, count=False)
            report.paused += 1
            return
        if exc.rate_limited:
            # Not a failure: the platform said when to come back. The channel stays blocked for this drain (its
            # later alerts wait behind this one), and no attempt is used up, however long the limit.
            wait = exc.retry_after if exc.retry_after is not None else self._base_delay
            await self._store.outbox.mark_attempt_failed(
                delivery_id, str(exc), utcnow() + timedelta(seconds=wait), give_up=False, count=False
            )
            report.rate_limited += 1
            return
        attempts += 1
        give_up = attempts >= self._max_attempts
        delay = max(exc.retry_after or 0.0, self._base_delay * 2 ** (attempts - 1))
        await self._store.outbox.mark_attempt_failed(
            delivery_id, str(exc), utcnow() + timedelta(seconds=delay), give_up
        )
        if give_up:
            log.error("delivery %s dropped after %d attempts: %s", delivery_id, attempts, exc)
            report.dead += 1
        else:
            report.failed += 1
