"""The parse worker: `python -m gmail_sync.parse_worker` parses chunks of raw mail for a fill in its own process.

Protocol on its stdin/stdout, one request at a time: an 8-byte big-endian length, then a pickled list of raw
messages (bytes); the answer is the same framing around the pickled list of `ParsedMail`. End of input ends
it. Pickle is safe here because both ends are this code: the parent started this process itself, and no other
party writes to its pipes. Started as a module of its own (not by multiprocessing's "spawn", which re-imports
the parent's main script) so that any program — a test runner, a benchmark, the CLI — can use it.
"""

from __future__ import annotations

import pickle
import struct
import sys
from typing import BinaryIO

from gmail_sync.parse import parse_mail

HEADER = struct.Struct(">Q")


def write_frame(stream: BinaryIO, payload: object) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream: BinaryIO) -> object:
    """The next framed object; EOFError when the other end has gone."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        raise EOFError("the other end closed the pipe")
    (size,) = HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the other end closed the pipe mid-frame")
    return pickle.loads(data)  # noqa: S301 - our own parent process, see the module docstring


def main() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            raws = read_frame(stdin)
        except EOFError:
            return
        write_frame(stdout, [parse_mail(raw) for raw in raws])  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
