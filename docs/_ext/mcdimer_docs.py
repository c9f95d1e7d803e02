"""Build-time pieces of the mcdimer docs.

- The API reference pages (`reference/api/*.rst`, not committed) are written at every build
  from the packages' `__all__` (or, for modules without one, their public functions and
  classes), so a new public name appears in the reference without editing the docs, and a
  name documented twice (`mcdimer.Chain` is `mcdimer.model.Chain`) is documented once,
  under its shortest public name.
- References to an object under the module that defines it (type hints say
  `mcdimer.model.Chain`) resolve to that documented name.
- The `mcdimer-spec-schema` directive renders `mcdimer.runs.describe()`: the spec schema
  comes from the pydantic models themselves.
"""

from __future__ import annotations

import importlib
import inspect
import re
import shutil
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.util import logging

logger = logging.getLogger(__name__)

# (module, one line on what it is for). The order matters: an object is documented under
# the first module that exports it.
MODULES = [
    ("mcdimer", "models, landscapes and the sampler entry point"),
    ("mcdimer.exact", "the exact dimer, Eq. (B8)"),
    ("mcdimer.meanfield", "mean field: Eqs. (6)-(10), (C1), finite temperature, any assembly"),
    ("mcdimer.micro", "the microscopic model of Sec. V and App. A"),
    ("mcdimer.micro_scans", "sampled thermal scans of the microscopic model"),
    ("mcdimer.geometry", "positions, periodic boxes and size dispersion of assemblies"),
    ("mcdimer.sampling", "what a sampler returns, moves and methods"),
    ("mcdimer.sampling.ladder", "tempering ladders"),
    ("mcdimer.sampling.reweight", "MBAR reweighting of tempering levels"),
    ("mcdimer.runs", "specs, sweeps and result files"),
    ("mcdimer.runs.reduce", "reductions of merged sweeps"),
    ("mcdimer.compare", "mean field against exact and sampled thermal results"),
]


def public_names(modname: str) -> list[str]:
    """The names a user of `modname` calls: its `__all__`, else what it defines."""
    mod = importlib.import_module(modname)
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [
            name
            for name, obj in vars(mod).items()
            if not name.startswith("_")
            and (inspect.isfunction(obj) or inspect.isclass(obj))
            and getattr(obj, "__module__", None) == modname
        ]
    out = []
    for name in names:
        if not hasattr(mod, name):
            logger.warning("%s.__all__ names %r, which the module does not define", modname, name)
            continue
        obj = getattr(mod, name)
        if inspect.ismodule(obj) or name.startswith("__"):
            continue
        out.append(name)
    return out


def _key(obj):
    """Identity of an object that can be documented under several names."""
    if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return ("id", id(obj))
    return None  # constants: documented wherever they are exported


def _is_pydantic_model(obj) -> bool:
    from pydantic import BaseModel

    return inspect.isclass(obj) and issubclass(obj, BaseModel)


def _write_model_stub(folder: Path, full: str) -> None:
    """A spec model's page: its docstring and methods; its fields are on the spec page,
    with their descriptions (autodoc would list them with pydantic's annotated types)."""
    folder.mkdir(parents=True, exist_ok=True)
    modname, _, name = full.rpartition(".")
    title = full
    text = "\n".join(
        [
            title,
            "=" * len(title),
            "",
            f".. currentmodule:: {modname}",
            "",
            f".. autoclass:: {name}",
            "   :members:",
            "   :exclude-members: " + ", ".join(_model_member_names(full)),
            "",
            "The fields, their units and allowed values: :doc:`/reference/spec`.",
            "",
        ]
    )
    (folder / f"{full}.rst").write_text(text)


def _model_member_names(full: str) -> list[str]:
    modname, _, name = full.rpartition(".")
    cls = getattr(importlib.import_module(modname), name)
    return sorted(set(cls.model_fields) | {m for m in dir(cls) if m.startswith("model_")})


def write_reference(app) -> None:
    """Write reference/api/<module>.rst for every module of MODULES."""
    out = Path(app.confdir) / "reference" / "api"
    shutil.rmtree(out / "generated", ignore_errors=True)  # stubs of names no longer public
    out.mkdir(parents=True, exist_ok=True)
    canonical: dict = {}  # key -> documented full name
    aliases: dict[str, str] = {}  # defining module's name -> documented full name
    toc = []
    for modname, blurb in MODULES:
        mod = importlib.import_module(modname)
        entries = []
        for name in public_names(modname):
            obj = getattr(mod, name)
            key = _key(obj)
            full = f"{modname}.{name}"
            if key is not None and key in canonical:
                entries.append(canonical[key])  # listed here, documented once
                continue
            if key is not None:
                canonical[key] = full
                if _is_pydantic_model(obj):
                    _write_model_stub(out / "generated", full)
                real = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
                if real != full:
                    aliases[real] = full
            entries.append(full)
        title = f"``{modname}``"
        lines = [
            title,
            "=" * len(title),
            "",
            f".. automodule:: {modname}",
            "   :no-members:",
            "",
            f".. currentmodule:: {modname}",
            "",
            ".. autosummary::",
            "   :toctree: generated",
            "   :nosignatures:",
            "",
        ]
        own = [full[len(modname) + 1 :] for full in entries if full.startswith(modname + ".")]
        others = [full for full in entries if not full.startswith(modname + ".")]
        lines += [f"   {name}" for name in own]
        if others:
            refs = ", ".join(f":py:obj:`{full}`" for full in others)
            lines += ["", f"Also exported here, documented under their shorter name: {refs}."]
        text = "\n".join(lines) + "\n"
        path = out / f"{modname}.rst"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        toc.append(f"   {modname} — {blurb} <{modname}>")
    index = "\n".join(
        [
            "Python API",
            "==========",
            "",
            "Every public name, generated from the docstrings (units, the paper's equation,",
            "what is raised). Each object is documented once, under its shortest public name.",
            "",
            ".. toctree::",
            "   :maxdepth: 1",
            "",
            *toc,
        ]
    )
    index_path = out / "index.rst"
    if not index_path.exists() or index_path.read_text() != index + "\n":
        index_path.write_text(index + "\n")
    app.env_aliases = aliases


def resolve_alias(app, env, node, contnode):
    """`mcdimer.model.Chain` (where the class is defined) -> `mcdimer.Chain` (where it is
    documented); methods and attributes follow their class."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    aliases = getattr(app, "env_aliases", {})
    for real, full in aliases.items():
        if target == real or target.startswith(real + "."):
            new = full + target[len(real) :]
            domain = env.get_domain("py")
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], new, node, contnode
            ) or domain.resolve_any_xref(env, node["refdoc"], app.builder, new, node, contnode)
    if target.startswith("mcdimer.") and _importable(target):
        # a real class of mcdimer that is not public (a result type such as
        # runs.points.Points): shown as its name, without a link
        return contnode
    return None


def _importable(target: str) -> bool:
    modname, _, name = target.rpartition(".")
    try:
        return hasattr(importlib.import_module(modname), name)
    except ImportError:
        return False


class SpecSchema(Directive):
    """Every field of a run spec, grouped by table, from `mcdimer.runs.describe()`."""

    has_content = False

    def run(self):
        from mcdimer import runs

        groups: dict[str, list[tuple[str, str]]] = {}
        for line in runs.describe().splitlines():
            field, _, text = line.partition(": ")
            table, _, name = field.rpartition(".")
            groups.setdefault(table, []).append((name, text))
        out = []
        for table, fields in groups.items():
            heading = f"[{table}]" if table else "top level"
            if table.startswith("calls"):
                heading = "[[calls]]"
            elif table.startswith("axes"):
                heading = "[axes] (a range: {start, stop, num, log})"
            out.append(nodes.rubric(text=heading))
            tbl = nodes.table(classes=["spec-schema"])
            group = nodes.tgroup(cols=2)
            tbl += group
            group += nodes.colspec(colwidth=20)
            group += nodes.colspec(colwidth=80)
            head = nodes.thead()
            group += head
            row = nodes.row()
            for text in ("field", "meaning, units, allowed values"):
                row += nodes.entry("", nodes.paragraph(text=text))
            head += row
            body = nodes.tbody()
            group += body
            for name, text in fields:
                if not text and any(t.split(".")[0] == name for t in groups):
                    text = f"the [{name}] table below"
                row = nodes.row()
                row += nodes.entry("", nodes.paragraph("", "", nodes.literal(text=name)))
                row += nodes.entry("", nodes.paragraph(text=text or "(no description)"))
                body += row
            out.append(tbl)
        return out


def _click_lines(app, ctx, lines) -> None:
    """Click help texts are plain text too (`mcdimer micro moment`: "|x|")."""
    lines[:] = [
        line if line.lstrip().startswith(("| ", ".. ")) else _escape(line) for line in lines
    ]


def _napoleon_skips_attributes(app, config) -> None:
    """Napoleon reads an attribute's first line "X: text" as its type X; here a property's
    docstring is prose ("True for the chain of App. C: positions ..."), never a type."""
    listeners = app.events.listeners["autodoc-process-docstring"]
    for i, listener in enumerate(listeners):
        handler = listener.handler
        if getattr(handler, "__module__", "") != "sphinx.ext.napoleon":
            continue

        def wrapped(app, what, name, obj, options, lines, _handler=handler):
            if what not in {"attribute", "property", "data"}:
                _handler(app, what, name, obj, options, lines)

        listeners[i] = listener._replace(handler=wrapped)


def setup(app):
    app.connect("config-inited", _napoleon_skips_attributes)
    for event in ("description", "options", "arguments", "epilog"):
        app.connect(f"sphinx-click-process-{event}", _click_lines)
    # config-inited: before Sphinx lists the source files, so that a fresh clone (no
    # reference/api yet) builds the generated pages too
    app.connect("config-inited", lambda app, config: write_reference(app))
    app.connect("missing-reference", resolve_alias)
    app.add_directive("mcdimer-spec-schema", SpecSchema)
    app.connect("autodoc-process-docstring", plain_text_docstring, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}


# --- Docstrings in plain-text physics notation -------------------------------------------
# mcdimer's docstrings write formulas as plain text (|mu|, K * s, indented equations), which
# reStructuredText would read as substitutions, emphasis and block quotes. Before napoleon
# reads a docstring, this makes such text literal: the page shows what the source says.

_SECTIONS = (
    "Parameters", "Returns", "Yields", "Raises", "Warns", "See Also", "Notes", "Examples",
    "References", "Attributes", "Methods", "Other Parameters", "Receives", "Warnings",
)


# sections whose entries are "name : text"
_FIELD_SECTIONS = ("Parameters", "Attributes", "Other Parameters", "Receives")


def _escape(text: str) -> str:
    """Escape | and lone * outside inline literals (`...`, ``...``)."""
    out = []
    for i, part in enumerate(re.split(r"(``.*?``|`[^`]*`)", text)):
        if i % 2 == 1:
            out.append(part)
            continue
        part = part.replace("|", r"\|")
        part = re.sub(r"(?<![*\\])\*(?!\*)", r"\\*", part)
        part = re.sub(r"(?<=\w)_(?=\W|$)", r"\\_", part)  # "chi_q_" is not a link
        out.append(part)
    return "".join(out)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _item_indent(line: str) -> int | None:
    """Where the text of a list item starts ("1. text", "- text"), None if not an item."""
    m = re.match(r"(\s*)((\d+|[a-z]|#)[.)]|\(\w+\)|[-*+])\s+", line)
    return len(m.group(0)) if m else None


def plain_text_docstring(app, what, name, obj, options, lines) -> None:
    """Make a plain-text docstring valid reStructuredText (in place, before napoleon)."""
    out: list[str] = []
    in_sections = in_fields = False
    section_indent = ""
    literal_indent = None  # indent of the paragraph that opened a literal block
    prev = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        stripped = line.strip()
        if literal_indent is not None:
            if stripped and _indent(line) <= literal_indent:
                literal_indent = None
                if out and out[-1].strip():
                    out.append("")
            else:
                out.append(line)
                prev = line
                i += 1
                continue
        if stripped and re.fullmatch(r"\s*-{3,}\s*", nxt):
            head = stripped
            for section in _SECTIONS:
                if head.startswith(section) and head != section:
                    # "Parameters (exactly one of C and chi)": napoleon needs the bare name
                    out += [_escape(head[len(section) :].strip(" ():") + ".") , ""]
                    head = section
            in_sections = True
            in_fields = head in _FIELD_SECTIONS
            section_indent = " " * _indent(line)
            out += [" " * _indent(line) + head, " " * _indent(line) + "-" * len(head)]
            prev = out[-1]
            i += 2
            continue
        field = re.match(r"(\s*)([\w*][\w*, ]*?) : (.*)$", line) if in_fields else None
        if field and field.group(1) == section_indent:
            # "name : text": in mcdimer's docstrings the text is a description, not a type
            indent, name, text = field.groups()
            out += [indent + name, indent + "    " + _escape(text)]
            prev = line
            i += 1
            continue
        if stripped.endswith("::"):
            out.append(_escape(line))
            literal_indent = _indent(line)
            prev = line
            i += 1
            continue
        if (
            not in_sections
            and stripped
            and prev.strip()
            and _indent(line) > _indent(prev)
            and _indent(line) != _item_indent(prev)
        ):
            # an indented formula or table straight after prose: show it as written
            out[-1] = out[-1] + " ::"
            out.append("")
            literal_indent = _indent(prev)
            out.append(line)
            prev = line
            i += 1
            continue
        out.append(_escape(line))
        prev = line
        i += 1
    lines[:] = out
