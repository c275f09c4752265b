"""Every deployment file parses and names something that exists: App Engine's service files (app.yaml, sync.yaml,
scheduler.yaml) name an importable WSGI factory; the gunicorn config loads; the systemd units start commands
that exist (the console script's subcommand and options, gunicorn's app); the App Engine worker app keeps a real
`linedesk` command running and stops it on /_ah/stop."""

import configparser
import importlib
import json
import os
import re
import shlex
import time
from pathlib import Path

import click
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_ENGINE = {"app.yaml": "default", "sync.yaml": "sync", "scheduler.yaml": "scheduler"}
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
ENTRYPOINT = re.compile(r'^gunicorn (?P<options>.*)"(?P<module>[\w.]+):(?P<factory>\w+)\(\)"$')


def _factory(module: str, factory: str):
    target = getattr(importlib.import_module(module), factory, None)
    assert callable(target), f"{module}:{factory} is not a callable app factory"
    return target


def _gunicorn_options(options: str) -> None:
    words = shlex.split(options)
    if "-c" in words:
        assert (ROOT / words[words.index("-c") + 1]).is_file(), f"gunicorn config {words} missing"


def test_app_yaml_names_an_importable_factory():
    text = (ROOT / "app.yaml").read_text()
    assert re.search(r"^runtime: python3\d+$", text, re.M)
    target = re.search(r'^entrypoint: gunicorn .*"(?P<module>[\w.]+):(?P<factory>\w+)\(\)"$', text, re.M)
    assert target, "app.yaml must start gunicorn on an app factory"
    _factory(target["module"], target["factory"])


def test_requirements_are_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line), f"not pinned: {line}"


@pytest.mark.parametrize("name", sorted(APP_ENGINE))
def test_each_app_engine_service_parses_and_names_an_importable_wsgi_factory(name):
    config = yaml.safe_load((ROOT / name).read_text())
    assert re.fullmatch(r"python3\d+", config["runtime"])
    assert config.get("service", "default") == APP_ENGINE[name]
    entry = ENTRYPOINT.match(config["entrypoint"])
    assert entry and "$PORT" in entry["options"], f"{name}: gunicorn must bind App Engine's $PORT"
    _gunicorn_options(entry["options"])
    _factory(entry["module"], entry["factory"])
    if name != "app.yaml":  # long-running loops: instances that are not scaled down between requests
        assert "manual_scaling" in config and "--workers 1" in entry["options"]
    for included in config.get("includes", []):  # secrets, written at deploy time, never committed
        assert included in (ROOT / ".gitignore").read_text().split(), f"{included} must be git-ignored"
        assert included in (ROOT / "deploy" / "appengine" / "render-secrets.sh").read_text()
    assert not {"SECRET_KEY", "DATABASE_URL", "LINEDESK_CREDENTIALS_KEY"} & set(config.get("env_variables", {}))


def test_the_gunicorn_config_loads_and_reads_its_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    settings: dict = {}
    exec(compile((ROOT / "deploy" / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), settings)
    assert settings["bind"] == ":8123" and settings["workers"] == 3 and settings["worker_class"] == "gthread"


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(path.read_text())
    return parser


def _linedesk_command(words: list[str]) -> None:
    """The words after `linedesk` name a subcommand of the console script, with options it has."""
    from app.cli import main

    command: click.Command = main
    ctx = click.Context(main)
    rest = list(words)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        found = command.get_command(ctx, rest.pop(0))
        assert found is not None, f"no `linedesk {' '.join(words)}`"
        command = found
    known = {opt for param in command.params for opt in getattr(param, "opts", [])}
    for word in rest:
        if word.startswith("--"):
            assert word in known, f"`linedesk {' '.join(words)}`: no option {word}"


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_systemd_unit_starts_a_command_that_exists(path):
    unit = _unit(path)
    assert unit.has_section("Unit") and unit.has_section("Service")
    service = unit["Service"]
    assert service["WorkingDirectory"] == "/opt/linedesk" and service["EnvironmentFile"] == "/etc/linedesk/linedesk.env"
    words = shlex.split(service["ExecStart"])
    program = Path(words[0])
    assert program.parent == Path("/opt/linedesk/.venv/bin"), "the virtualenv's own scripts"
    if program.name == "linedesk":
        scripts = re.search(r'^linedesk = "(?P<target>[\w.]+:\w+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
        assert scripts and scripts["target"] == "app.cli:main"
        _linedesk_command(words[1:])
    else:
        assert program.name == "gunicorn" and (ROOT / ".venv" / "bin" / "gunicorn").exists()
        entry = re.fullmatch(r"(?P<module>[\w.]+):(?P<factory>\w+)\(\)", words[-1])
        assert entry, service["ExecStart"]
        _gunicorn_options(" ".join(words[1:-1]))
        _factory(entry["module"], entry["factory"])
    if service.get("Type") != "oneshot":
        assert service["Restart"] == "always" and unit.has_section("Install")


def test_the_example_environment_file_names_only_known_settings():
    names = {line.split("=", 1)[0] for line in (ROOT / "deploy" / "linedesk.env.example").read_text().splitlines()
             if line and not line.startswith("#")}
    assert {"DATABASE_URL", "SECRET_KEY", "LINEDESK_CREDENTIALS_KEY"} <= names
    from app.config import Settings

    env = {line.split("=", 1)[0]: line.split("=", 1)[1] for line in
           (ROOT / "deploy" / "linedesk.env.example").read_text().splitlines() if line and not line.startswith("#")}
    assert Settings.from_env(env).sync_lease_s == 60.0  # the example is a valid configuration


def _call(app, path: str) -> tuple[str, dict]:
    answer: dict = {}
    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda status, _headers: answer.update(s=status)))
    return answer["s"], json.loads(body)


def test_the_app_engine_worker_app_keeps_the_scheduler_running_and_stops_it(db_url, monkeypatch, tmp_path):
    if not db_url.startswith("sqlite"):
        pytest.skip("the command's database does not matter here; SQLite is enough")
    from app.worker_service import scheduler_app

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("LINEDESK_INSTANCE", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.chdir(ROOT)
    app = scheduler_app()
    try:
        deadline = time.monotonic() + 20
        while _call(app, "/_ah/start")[0] != "200 OK":
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        time.sleep(2.0)  # still running: a loop, not a one-off
        status, body = _call(app, "/_ah/health")
        assert status == "200 OK" and body["command"] == "scheduler run" and body["restarts"] == 0
        assert _call(app, "/nothing")[0].startswith("404")
    finally:
        assert _call(app, "/_ah/stop")[0] == "200 OK"
    process = app.supervisor.process
    assert process.poll() is not None and not app.supervisor.running
    assert _call(app, "/_ah/health")[0].startswith("503")
