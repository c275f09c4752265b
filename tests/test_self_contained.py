"""A fresh clone passes on its own: no test, conftest helper or benchmark reads a file outside the repository.

Why: the suite once read its mail corpus from a folder beside the clone, and a clone alone failed ~100 tests
(issue 16). The corpus now lives in `tests/corpus/` (see `tests/corpora.py`). This test reads every source file
under tests/ and benchmarks/ and fails, naming file and line, on anything that climbs out of the repository:
a `Path(__file__)…parents[N]` or `.parent` chain above the repository root, a string path starting with `../`,
a `".."` path join, the sibling "shared" folder, or an absolute path into the machine's work folders. Not read:
the corpora's data folders (mail, not code) and this file itself (it holds the very lines the check must catch,
as test data).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.corpora import CORPUS, OUR_CASES

ROOT = Path(__file__).resolve().parents[1]
SOURCE_SUFFIXES = {".py", ".cfg", ".ini", ".toml", ".yaml", ".yml", ".json", ".sh"}
DATA_FOLDERS = (CORPUS, OUR_CASES)

_PARENTS = re.compile(r"Path\(__file__\)(?:\.resolve\(\)|\.absolute\(\))?\.parents\[(\d+)\]")
_PARENT_CHAIN = re.compile(r"Path\(__file__\)(?:\.resolve\(\)|\.absolute\(\))?((?:\.parent(?!s))+)")
_OUTSIDE = [
    (re.compile(r"""["'](?:\.\.[/\\])"""), "a string path starting with ../"),
    (re.compile(r"""/\s*["']\.\.["']"""), 'a ".." path join'),
    (re.compile(r"""["']shared["']\s*/|[/\\]shared[/\\]corpus"""), "the sibling shared folder"),
    (re.compile(r"""["'](?:/work|/home|/root|/mnt|/srv)/"""), "an absolute path into a machine's folders"),
]


def source_files() -> list[Path]:
    files = []
    for top in (ROOT / "tests", ROOT / "benchmarks"):
        for path in sorted(top.rglob("*")):
            if (path.is_file() and path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts
                    and path != Path(__file__).resolve() and not any(path.is_relative_to(folder) for folder in DATA_FOLDERS)):
                files.append(path)
    return files


def reaches_outside(relative: Path, text: str) -> list[str]:
    """Each line of `text` (the file at `relative` from the repository root) that reads outside the repository."""
    root = len(relative.parts) - 1  # parents[root], or root + 1 `.parent` steps, is the repository root
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _PARENTS.finditer(line):
            if int(match.group(1)) > root:
                problems.append(f"{relative}:{number}: parents[{match.group(1)}] is above the repository root")
        for match in _PARENT_CHAIN.finditer(line):
            if match.group(1).count(".parent") > root + 1:
                problems.append(f"{relative}:{number}: .parent chain climbs above the repository root")
        for pattern, what in _OUTSIDE:
            if pattern.search(line):
                problems.append(f"{relative}:{number}: {what}: {line.strip()[:100]}")
    return problems


def test_there_are_files_to_check() -> None:
    names = {path.name for path in source_files()}
    assert {"mail_quality.py", "test_noise.py", "test_reply_trim.py", "test_parse.py", "conftest.py"} <= names


def test_no_test_or_benchmark_reads_outside_the_repository() -> None:
    problems = [problem for path in source_files()
                for problem in reaches_outside(path.relative_to(ROOT), path.read_text(encoding="utf-8"))]
    assert not problems, "\n".join(problems)


def test_the_corpora_are_inside_the_repository() -> None:
    for folder in DATA_FOLDERS:
        assert folder.is_dir() and folder.is_relative_to(ROOT), folder
    licences = sorted(path.parent.relative_to(CORPUS).as_posix() for path in CORPUS.rglob("LICENSE"))
    assert licences == ["auto/sisimai", "parse/flanker", "parse/mikel", "parse/zbateson", "replies/discourse"]
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    assert all(f"| {folder} |" in readme for folder in licences), "every corpus folder is in the README's table"


@pytest.mark.parametrize(
    ("relative", "line"),
    [
        ("tests/sync/test_x.py", 'CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"'),
        ("tests/sync/test_x.py", 'CORPUS = Path(__file__).resolve().parents[3]'),
        ("tests/x.py", 'CORPUS = Path(__file__).resolve().parents[2] / "corpus"'),
        ("tests/sync/test_x.py", 'CORPUS = Path(__file__).parent.parent.parent.parent / "data"'),
        ("benchmarks/x.py", 'CORPUS = Path(__file__).resolve().parents[1] / ".." / "data"'),
        ("benchmarks/x.py", 'CORPUS = Path("../shared/corpus")'),
        ("tests/conftest.py", 'CORPUS = Path("/work/shared/corpus/parse")'),
        ("tests/conftest.py", 'open("../data.eml")'),
    ],
)
def test_the_check_catches_each_way_out(relative: str, line: str) -> None:
    assert reaches_outside(Path(relative), line)


@pytest.mark.parametrize(
    ("relative", "line"),
    [
        ("tests/sync/test_x.py", 'ROOT = Path(__file__).resolve().parents[2]'),
        ("tests/sync/test_x.py", 'HERE = Path(__file__).parent.parent.parent'),
        ("benchmarks/x.py", 'ROOT = Path(__file__).resolve().parents[1]'),
        ("tests/x.py", 'from tests.corpora import CORPUS'),
        ("tests/x.py", 'SUBJECT = "the shared inbox"'),
    ],
)
def test_the_check_lets_the_repository_be(relative: str, line: str) -> None:
    assert not reaches_outside(Path(relative), line)
