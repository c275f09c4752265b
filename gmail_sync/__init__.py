"""Gmail sync: mirror the shared support inbox into tickets, and send agents' replies back into the same thread.

The package is split by what a module needs from the outside world:

- pure mail understanding, no database and no network, unit-tested against real-world corpora —
  `parse` (raw RFC 822 bytes → `ParsedMail`), `sanitize` (HTML safe to display), `reply_trim` (the customer's
  new words, without quoted history or signature) and `noise` (auto-replies, bounces, bulk mail, our own mail);
- the sync runner and the Gmail calls at the edge, which feed the raw bytes of each fetched message
  (`format=raw`) through the pure modules.

Importing the package opens nothing: no connection, no logging set-up, no work at import time.
"""
