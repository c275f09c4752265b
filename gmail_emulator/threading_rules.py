"""Which thread a new message joins: Gmail's documented rule, as a pure function.

Gmail (users.messages.send, Message.threadId): a message joins an existing thread only when
  1. the request names the thread (`threadId`), and
  2. its References / In-Reply-To headers name a message of that thread (RFC 2822), and
  3. its Subject matches (after stripping Re:/Fwd: prefixes).
Otherwise it starts a new thread. Mail arriving without a threadId (import, delivery) is threaded the way Gmail
threads incoming mail: by References/In-Reply-To pointing at a Message-ID in the same mailbox, again only when
the subjects agree. The store supplies the candidate messages; this module decides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
    """A message already in the mailbox, as far as threading cares."""

    thread_id: str
    rfc822_id: str | None
    subject_norm: str


@dataclass(frozen=True)
class Incoming:
    subject_norm: str
    in_reply_to: str | None
    references: Sequence[str]

    def referenced_ids(self) -> list[str]:
        """In-Reply-To first, then References newest first: the order Gmail's threading looks at them."""
        ordered = [self.in_reply_to] if self.in_reply_to else []
        ordered.extend(reversed(list(self.references)))
        seen: set[str] = set()
        return [ref for ref in ordered if not (ref in seen or seen.add(ref))]


def choose_thread(incoming: Incoming, *, requested_thread: str | None,
                  thread_members: Callable[[str], list[Known]],
                  by_rfc822_id: Callable[[list[str]], list[Known]]) -> str | None:
    """The thread id to join, or None for a new thread."""
    refs = incoming.referenced_ids()
    if requested_thread is not None:
        members = thread_members(requested_thread)
        referenced = any(m.rfc822_id in refs for m in members if m.rfc822_id)
        same_subject = any(m.subject_norm == incoming.subject_norm for m in members)
        return requested_thread if referenced and same_subject else None
    if not refs:
        return None
    found = {k.rfc822_id: k for k in by_rfc822_id(refs) if k.subject_norm == incoming.subject_norm}
    for ref in refs:
        if ref in found:
            return found[ref].thread_id
    return None
