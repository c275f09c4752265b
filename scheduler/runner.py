"""The long-running scheduler: APScheduler jobs declared as data, with deterministic ids.

Jobs (reconciled on start with `replace_existing`, so a restart never doubles them):

- "sweep": every `interval` seconds (default 1), `engine.sweep_all` — a rule fires within a second or two of
  its deadline. `max_instances=1` and `coalesce` keep one sweep per process at a time; several processes may
  run this job together, the engine's conditional UPDATE makes each firing happen once.
- "watch-renew": daily, renews Gmail push watches (users.watch expires after 7 days). Only when a sync
  service is given, i.e. `gmail_sync` is installed and a push topic is configured (GMAIL_PUSH_TOPIC).
- Only when a mail sender is given (`mailer`: there is a support mailbox to send from):
  - "notify": every `notify_interval` seconds (default 30), alert and warning events mailed to the person
    concerned (`scheduler.notify`);
  - "digest:<email>:daily" / "digest:<email>:weekly": cron jobs at each manager's `digest_at` in the manager's
    time zone (weekly on Mondays), sending the last day's or week's digest (`scheduler.digest`);
  - "digest-jobs": every 10 minutes, re-reads the managers' digest settings and reconciles the digest jobs
    (adds and replaces them, removes those no longer wanted), so a `setup apply` takes effect without a
    restart. Every mail is keyed, so two processes running the same cron job send it once.
- Only when feedback links can be made (`feedback_links`: PUBLIC_URL is set): "feedback-requests", every
  `notify_interval` seconds, asks the customers of newly done tickets (`gmail_sync.feedback_request`) — by
  mail through `feedback_mailer`, always Gmail (the ticket's own thread), whatever SMTP_URL says.

Errors in a job are logged and the job runs again at its next tick: a database hiccup does not kill the
scheduler, and because timers are rows nothing is lost meanwhile.
"""

from __future__ import annotations

import logging
import os
import random
import socket
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.models import Agent, HelpdeskSetting
from scheduler.engine import Firing, sweep_all
from scheduler.mailing import Mailer

log = logging.getLogger(__name__)


class WatchRenewer(Protocol):
    def addresses(self) -> list[str]: ...
    def watch(self, address: str, topic: str) -> Any: ...


@dataclass(frozen=True)
class JobSpec:
    id: str
    trigger: str
    options: dict[str, Any]


def digest_jobs(session: Session) -> list[JobSpec]:
    """A cron job per active agent and digest (daily, weekly) at their `digest_at`, in their time zone."""
    setting = session.get(HelpdeskSetting, "timezone")
    desk_zone = str(setting.value) if setting is not None and setting.value else "UTC"
    specs = []
    agents = session.scalars(select(Agent).where(Agent.active.is_(True), Agent.digest != "").order_by(Agent.email))
    for agent in agents:
        hour, minute = (int(part) for part in (agent.digest_at or "08:00").split(":"))
        zone = agent.timezone or desk_zone
        for kind in agent.digest.split(","):
            options: dict[str, Any] = {"hour": hour, "minute": minute, "timezone": zone}
            if kind == "weekly":
                options["day_of_week"] = "mon"
            specs.append(JobSpec(f"digest:{agent.email}:{kind}", "cron", options))
    return specs


def passed_this_period(spec: JobSpec, now: datetime) -> bool:
    """Today's (this week's, Monday's) run of a digest cron job is already behind `now`."""
    local = now.astimezone(ZoneInfo(spec.options["timezone"]))
    first = local.date() - timedelta(days=local.weekday()) if "day_of_week" in spec.options else local.date()
    due = datetime.combine(first, time(spec.options["hour"], spec.options["minute"]), tzinfo=local.tzinfo)
    return due <= local


def default_owner() -> str:
    """Who fired a timer: host and process, recorded on the timer row."""
    return f"{socket.gethostname()}:{os.getpid()}"


class SchedulerRunner:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, *, interval: float = 1.0,
                 owner: str | None = None, watcher: WatchRenewer | None = None, topic: str | None = None,
                 rng: random.Random | None = None, mailer: Mailer | None = None,
                 notify_interval: float = 30.0, feedback_links: Any = None, feedback_mailer: Mailer | None = None,
                 sms: Any = None) -> None:
        self.sessions = sessions
        self.clock = clock
        self.interval = interval
        self.owner = owner or default_owner()
        self.watcher, self.topic = watcher, topic
        self.rng = rng or random.Random()
        self.mailer, self.notify_interval = mailer, notify_interval
        self.feedback_links, self.feedback_mailer, self.sms = feedback_links, feedback_mailer, sms
        self.fired: list[Firing] = []
        self._scheduler = BackgroundScheduler(timezone="UTC")

    def jobs(self) -> list[JobSpec]:
        specs = [JobSpec("sweep", "interval", {"seconds": self.interval})]
        if self.watcher is not None and self.topic:
            specs.append(JobSpec("watch-renew", "interval", {"days": 1}))
        if self.mailer is not None:
            specs.append(JobSpec("notify", "interval", {"seconds": self.notify_interval}))
            specs.append(JobSpec("digest-jobs", "interval", {"minutes": 10}))
            with self.sessions() as session:
                specs.extend(digest_jobs(session))
        if self.feedback_links is not None:
            specs.append(JobSpec("feedback-requests", "interval", {"seconds": self.notify_interval}))
        return specs

    def start(self) -> None:
        specs = self.jobs()
        self.reconcile(specs)
        self.sweep_once()  # what passed while we were down, now rather than at the first tick
        for spec in specs:  # a digest whose time passed while we were down goes out now (its key dedups)
            if spec.id.startswith("digest:") and passed_this_period(spec, self.clock.now()):
                self._scheduler.add_job(self._function(spec.id), id=f"catch-up:{spec.id}", replace_existing=True)
        self._scheduler.start()

    def reconcile(self, specs: list[JobSpec]) -> None:
        """Add or replace every job in `specs`; remove digest jobs no longer among them."""
        wanted = {spec.id for spec in specs}
        for job in self._scheduler.get_jobs():
            if job.id.startswith("digest:") and job.id not in wanted:
                job.remove()
        for spec in specs:
            self._scheduler.add_job(self._function(spec.id), spec.trigger, id=spec.id, replace_existing=True,
                                    max_instances=1, coalesce=True, misfire_grace_time=None, **spec.options)

    def scheduled(self) -> dict[str, Any]:
        """The APScheduler jobs by id (for `scheduler run` and the tests)."""
        return {job.id: job for job in self._scheduler.get_jobs()}

    def _function(self, job_id: str) -> Any:
        if job_id.startswith("digest:"):
            email, kind = job_id.removeprefix("digest:").rsplit(":", 1)
            return lambda: self.send_digest(email, "week" if kind == "weekly" else "day")
        return {"sweep": self.sweep_once, "watch-renew": self.renew_watches, "notify": self.notify_once,
                "digest-jobs": self.reconcile_digests,
                "feedback-requests": self.request_feedback}[job_id]

    def reconcile_digests(self) -> None:
        try:
            self.reconcile([spec for spec in self.jobs() if spec.id.startswith("digest:")])
        except Exception:
            log.exception("reconciling the digest jobs failed")

    def notify_once(self) -> list[str]:
        from scheduler.notify import notify

        assert self.mailer is not None
        try:
            lines = notify(self.sessions, self.clock, mailer=self.mailer, owner=self.owner)
        except Exception:  # the next tick tries again; undelivered events stay pending
            log.exception("notify failed")
            return []
        for line in lines:
            log.info("notify %s", line)
        return lines

    def request_feedback(self) -> list[Any]:
        from gmail_sync.feedback_request import send_due

        try:
            done = send_due(self.sessions, self.clock, self.feedback_links, mailer=self.feedback_mailer, sms=self.sms)
        except Exception:  # the next tick tries again: the tickets are still due
            log.exception("feedback requests failed")
            return []
        for item in done:
            log.info("feedback request #%s: %s", item.number, item.how)
        return done

    def send_digest(self, email: str, period: str) -> str:
        from scheduler.digest import send_digest

        assert self.mailer is not None
        try:
            result = send_digest(self.sessions, self.clock, email, period, mailer=self.mailer, owner=self.owner)
        except Exception:
            log.exception("digest for %s failed", email)
            return "error"
        log.info("digest %s: %s", result.key, result.outcome)
        return result.outcome

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def sweep_once(self) -> list[Firing]:
        try:
            firings = sweep_all(self.sessions, self.clock, owner=self.owner, rng=self.rng)
        except Exception:  # the next tick tries again; the timers are still pending
            log.exception("sweep failed")
            return []
        for firing in firings:
            log.info("fired %s", firing.line())
        self.fired.extend(firings)
        return firings

    def renew_watches(self) -> None:
        assert self.watcher is not None and self.topic
        for address in self.watcher.addresses():
            try:
                expires = self.watcher.watch(address, self.topic)
                log.info("watch renewed for %s until %s", address, expires)
            except Exception:
                log.exception("watch renewal failed for %s", address)
