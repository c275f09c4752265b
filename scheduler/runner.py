"""The long-running scheduler: APScheduler jobs declared as data, with deterministic ids.

Jobs (reconciled on start with `replace_existing`, so a restart never doubles them):

- "sweep": every `interval` seconds (default 1), `engine.sweep_all` — a rule fires within a second or two of
  its deadline. `max_instances=1` and `coalesce` keep one sweep per process at a time; several processes may
  run this job together, the engine's conditional UPDATE makes each firing happen once.
- "watch-renew": daily, renews Gmail push watches (users.watch expires after 7 days). Only when a sync
  service is given, i.e. `gmail_sync` is installed and a push topic is configured (GMAIL_PUSH_TOPIC).

Errors in a job are logged and the job runs again at its next tick: a database hiccup does not kill the
scheduler, and because timers are rows nothing is lost meanwhile.
"""

from __future__ import annotations

import logging
import os
import random
import socket
from dataclasses import dataclass
from typing import Any, Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from scheduler.engine import Firing, sweep_all

log = logging.getLogger(__name__)


class WatchRenewer(Protocol):
    def addresses(self) -> list[str]: ...
    def watch(self, address: str, topic: str) -> Any: ...


@dataclass(frozen=True)
class JobSpec:
    id: str
    trigger: str
    options: dict[str, Any]


def default_owner() -> str:
    """Who fired a timer: host and process, recorded on the timer row."""
    return f"{socket.gethostname()}:{os.getpid()}"


class SchedulerRunner:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, *, interval: float = 1.0,
                 owner: str | None = None, watcher: WatchRenewer | None = None, topic: str | None = None,
                 rng: random.Random | None = None) -> None:
        self.sessions = sessions
        self.clock = clock
        self.interval = interval
        self.owner = owner or default_owner()
        self.watcher, self.topic = watcher, topic
        self.rng = rng or random.Random()
        self.fired: list[Firing] = []
        self._scheduler = BackgroundScheduler(timezone="UTC")

    def jobs(self) -> list[JobSpec]:
        specs = [JobSpec("sweep", "interval", {"seconds": self.interval})]
        if self.watcher is not None and self.topic:
            specs.append(JobSpec("watch-renew", "interval", {"days": 1}))
        return specs

    def start(self) -> None:
        functions = {"sweep": self.sweep_once, "watch-renew": self.renew_watches}
        for spec in self.jobs():
            self._scheduler.add_job(functions[spec.id], spec.trigger, id=spec.id, replace_existing=True,
                                    max_instances=1, coalesce=True, misfire_grace_time=None, **spec.options)
        self.sweep_once()  # what passed while we were down, now rather than at the first tick
        self._scheduler.start()

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
