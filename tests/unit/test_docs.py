"""The documentation: every page a docstring or the README names exists, the physics page
has the sections the docstrings cite, and the site builds with warnings as errors."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCSTRING_DIRS = ("mcdimer", "analysis", "benchmarks")
MD_NAME = re.compile(r"[\w./-]*\w\.md\b")

# The sections of docs/physics.md that docstrings cite by title.
PHYSICS_SECTIONS = (
    "Landscapes",
    "Reduced units",
    "The exact dimer",
    "Mean field",
    "Microscopic model",
    "Periodic boxes",
    "Order observables",
)

# Files outside the repository that docstrings may still cite (none: they cite docs/physics.md)
PENDING: set[str] = set()


def _docstrings(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield getattr(node, "lineno", 1), doc


def _named_md_files():
    """(where, name) for every *.md named in a docstring of DOCSTRING_DIRS or in README.md."""
    for folder in DOCSTRING_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for line, doc in _docstrings(path):
                for name in MD_NAME.findall(doc):
                    yield f"{path.relative_to(ROOT)}:{line}", path.parent, name
    readme = ROOT / "README.md"
    for name in MD_NAME.findall(readme.read_text()):
        yield "README.md", ROOT, name


def _exists(base: Path, name: str) -> bool:
    if name.split("/")[0].lower() == "results":
        return True  # a report a script writes into a results directory, not a page
    return (ROOT / name).is_file() or (base / name).is_file()


def test_md_files_named_in_docstrings_and_readme_exist():
    missing = [(where, name) for where, base, name in _named_md_files() if not _exists(base, name)]
    unexpected = [(where, name) for where, name in missing if Path(name).name not in PENDING]
    assert not unexpected, f"pages named but not in the repository: {unexpected}"
    if missing:
        pytest.xfail(f"{len(missing)} docstrings still cite {sorted({n for _, n in missing})}")


def test_md_name_pattern_finds_paths_and_bare_names():
    text = "see docs/physics.md, section 2 of PHYSICS.md and `results/report.md`."
    assert MD_NAME.findall(text) == ["docs/physics.md", "PHYSICS.md", "results/report.md"]


def test_physics_page_has_the_sections_docstrings_cite():
    headings = {
        line.lstrip("#").strip()
        for line in (ROOT / "docs" / "physics.md").read_text().splitlines()
        if re.match(r"#{1,3} ", line)
    }
    assert set(PHYSICS_SECTIONS) <= headings, set(PHYSICS_SECTIONS) - headings


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    """sphinx-build -n -W: a broken page, a dangling cross-reference or a tutorial that no
    longer runs fails the suite (the tutorials are executed)."""
    if shutil.which("sphinx-build", path=str(Path(sys.executable).parent)) is None:
        if os.environ.get("CI"):
            pytest.fail("sphinx-build missing: install the docs extra (pip install -e '.[docs]')")
        pytest.skip("the docs extra is not installed (pip install -e '.[docs]')")
    out = tmp_path / "html"
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "sphinx-build"),
            "-b",
            "html",
            "-n",
            "-W",
            "--keep-going",
            "-q",
            "-d",
            str(tmp_path / "doctrees"),
            str(ROOT / "docs"),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-8000:]
    for page in ("index", "physics", "reference/cli", "reference/spec"):
        assert (out / f"{page}.html").is_file(), page


def test_sections_cited_in_docstrings_are_headings_of_the_physics_page():
    """A docstring that cites docs/physics.md followed by a quoted section title (or two,
    joined by "and") names a heading that exists on that page."""
    headings = {
        line.lstrip("#").strip()
        for line in (ROOT / "docs" / "physics.md").read_text().splitlines()
        if re.match(r"#{1,3} ", line)
    }
    cite = re.compile(r'docs/physics\.md,\s+"([^"]+)"(?:\s+and\s+"([^"]+)")?')
    cited = []
    for folder in (*DOCSTRING_DIRS, "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for line, doc in _docstrings(path):
                for match in cite.finditer(doc):
                    cited += [(f"{path.relative_to(ROOT)}:{line}", t) for t in match.groups() if t]
    assert cited, "no docstring cites a section of docs/physics.md"
    unknown = [(where, t) for where, t in cited if " ".join(t.split()) not in headings]
    assert not unknown, unknown
