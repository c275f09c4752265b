"""Tests of the Gmail sync: the pure mail-understanding modules against real-world corpora, and the runner."""
