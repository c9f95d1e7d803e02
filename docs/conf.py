"""Sphinx configuration of the mcdimer documentation (`bash scripts/docs.sh` builds it)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

# Tutorials run the samplers: one Numba thread per process keeps their output (and timing)
# the same on a laptop and on the 2-core CI machine.
os.environ.setdefault("NUMBA_NUM_THREADS", "2")

import mcdimer  # noqa: E402

project = "mcdimer"
author = "the mcdimer developers"
copyright = "2026, the mcdimer developers"
release = mcdimer.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax 3 copied into _static: formulas render offline
    "sphinx.ext.doctest",
    "sphinx_click",
    "sphinx_design",
    "mcdimer_docs",
]

exclude_patterns = ["_build", "jupyter_execute", ".ipynb_checkpoints", "**/README.md"]
templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
root_doc = "index"
# `x` in a docstring is code (a name, a call, a formula), as in the MyST pages
default_role = "code"

# --- MyST and executed tutorials --------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3
nb_execution_mode = "force"  # every build runs every tutorial: a tutorial that broke fails it
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

# --- API reference ----------------------------------------------------------------------
autosummary_generate = True
autosummary_generate_overwrite = False  # keep the stubs mcdimer_docs writes for spec models
autosummary_imported_members = True
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_member_order = "bysource"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_param = False  # types as text: plain-text types ("float > 0") are not classes
napoleon_custom_sections = [("Attributes", "params_style")]  # plain-text types, as Parameters

# Cross-references are checked (scripts/docs.sh builds with -n -W). The build has no
# network, hence no intersphinx: names from third-party packages cannot resolve and are
# ignored here, by package, not one by one.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(np|numpy|xr|xarray|scipy|arviz|pydantic|click|numba|pymbar|emcee)(\..*)?"),
    (r"py:.*", r"(concurrent|collections|typing|pathlib|os|dataclasses|enum|abc)(\..*)?"),
    (r"py:.*", r"(NDArray|ArrayLike|Executor|Path|Sequence|Mapping|Iterable|Callable)"),
    (r"py:.*", r"(annotated_types|FieldInfo|NoneType|_Pydantic).*"),  # pydantic field metadata
    (r"py:class", r"mcdimer\..*\._\w+"),  # private base classes (Bases: ...)
]


# --- HTML ---------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"mcdimer {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navigation_depth": 3,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
html_context = {"default_mode": "light"}
