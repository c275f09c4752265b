"""`python -m gmail_emulator serve|deliver|seed …` — the same commands as `linedesk emulator …`."""

from gmail_emulator.cli import emulator_group

if __name__ == "__main__":
    emulator_group(prog_name="python -m gmail_emulator")
