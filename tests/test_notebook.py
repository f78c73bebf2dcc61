"""The analyst notebook runs top to bottom (nbclient, a real kernel) and draws its plots."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from conftest import REPO
from datasette_support import gold_served_db
from nbclient import NotebookClient

from db.schema import open_db

NOTEBOOK = REPO / "notebooks" / "analyst.ipynb"


def run_notebook(db: Path) -> nbformat.NotebookNode:
    """Execute every cell against ``db`` (via ``DCRADAR_DB``), as ``jupyter nbconvert`` would."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    old = os.environ.get("DCRADAR_DB")
    os.environ["DCRADAR_DB"] = str(db)
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    finally:
        if old is None:
            os.environ.pop("DCRADAR_DB", None)
        else:
            os.environ["DCRADAR_DB"] = old
    return nb


def _outputs(nb: nbformat.NotebookNode) -> tuple[str, int]:
    text, images = [], 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", out
            if out.output_type == "stream":
                text.append(out.text)
            data = out.get("data", {})
            text.append(data.get("text/plain", ""))
            images += "image/png" in data
    return "\n".join(text), images


def test_notebook_runs_on_a_tagged_database(tmp_path):
    nb = run_notebook(gold_served_db(tmp_path))
    text, images = _outputs(nb)
    assert images == 3  # pipeline by year, capacity by stage, operators and investors
    assert "'projects': 57" in text
    assert "Africa Data Centres" in text and "African Infrastructure Investment Managers" in text


def test_notebook_runs_on_a_database_without_tags(tmp_path):
    """A fresh crawl before the tagger ran: no projects yet, and the notebook still runs."""
    db_path = tmp_path / "empty.db"
    open_db(db_path).close()
    text, images = _outputs(run_notebook(db_path))
    assert images == 3 and "'projects': 0" in text
