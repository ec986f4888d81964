"""The book built once per test session, without executing notebooks.

nbval executes every notebook in the same `make test`; the build uses the
outputs committed with them. Execution is switched off through a derived copy
of _config.yml passed with --config; the source folder stays the repository
root, so relative paths (references.bib, _toc.yml, book/_ext) still resolve.
Used by test_book.py (warnings as errors) and test_browser.py (the pages in
Chromium).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def jupyter_book():
    exe = Path(sys.executable).with_name("jupyter-book")
    return str(exe) if exe.exists() else shutil.which("jupyter-book")


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("book")
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    # local extensions are found relative to the config file, which moves to tmp
    local = config.get("sphinx", {}).get("local_extensions") or {}
    for name, path in local.items():
        local[name] = str((ROOT / path).resolve())
    derived = tmp / "_config.yml"
    derived.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    cmd = [
        jupyter_book(), "build", str(ROOT),
        "--config", str(derived),
        "--path-output", str(tmp),
        "--builder", "html",
        "--all", "-W", "-n", "--keep-going",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    return proc, tmp / "_build" / "html"


