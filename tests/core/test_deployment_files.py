"""The files App Engine reads parse, and the entrypoint they name imports."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_app_yaml_names_an_importable_factory():
    text = (ROOT / "app.yaml").read_text()
    assert re.search(r"^runtime: python3\d+$", text, re.M)
    target = re.search(r'^entrypoint: gunicorn .*"(?P<module>[\w.]+):(?P<factory>\w+)\(\)"$', text, re.M)
    assert target, "app.yaml must start gunicorn on an app factory"
    import importlib

    module = importlib.import_module(target["module"])
    assert callable(getattr(module, target["factory"]))


def test_requirements_are_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line), f"not pinned: {line}"
