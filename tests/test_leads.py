"""Lead lists: ``dcradar export --what projects`` equals Datasette's CSV of the projects page."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO
from datasette_support import SyncClient, gold_served_db

from db.leads import LeadFilter, datasette_args, datasette_csv_path, lead_rows, resolve_operators
from db.schema import open_db
from pipeline.cli import cli


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = gold_served_db(tmp_path_factory.mktemp("leads"))
    client = SyncClient(path)
    yield path, client
    client.close()


def export(db: Path, *args: str) -> tuple[bytes, str]:
    """``dcradar export --what projects`` in-process (click's runner): (stdout bytes, stderr)."""
    result = CliRunner().invoke(cli, ["export", "--db", str(db), "--what", "projects", *args],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes, result.stderr


FILTERS = [
    ((), LeadFilter()),
    (("--country", "MA"), LeadFilter(countries=("MA",))),
    (("--country", "ma", "--since", "2024-01-01"), LeadFilter(("ma",), "2024-01-01")),
    (("--country", "NG", "--country", "GH"), LeadFilter(countries=("NG", "GH"))),
    (("--operator", "n+one datacenters"), LeadFilter(operators=("N+One",))),
    (("--operator", "Teraco", "--stage", "under construction"),
     LeadFilter(operators=("Teraco",), stages=("under construction",))),
    (("--investor", "World Bank"), LeadFilter(investor="World Bank")),
]


@pytest.mark.parametrize(("args", "lead_filter"), FILTERS)
def test_export_csv_equals_datasette_csv_stream(served, args, lead_filter):
    path, client = served
    stdout, stderr = export(path, "--format", "csv", *args)
    url = datasette_csv_path(lead_filter)
    response = client.get(url)
    assert response.status_code == 200
    assert stdout == response.content, url
    assert url in stderr
    assert stdout.count(b"\r\n") >= 2  # header and a row at least, \r\n as csv writes them


def test_the_command_line_export_is_byte_for_byte_datasettes_csv(served):
    """The real ``dcradar`` process (stdout through the OS pipe), not click's runner."""
    path, client = served
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "export", "--db", str(path),
                           "--what", "projects", "--format", "csv"], capture_output=True,
                          cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == client.get("/dcradar/projects.csv?_stream=on").content


def test_the_unfiltered_export_is_every_project_in_recency_order(served):
    path, _ = served
    lines = export(path, "--format", "csv")[0].decode().splitlines()
    header = lines[0].split(",")
    assert header[:3] == ["project_id", "name", "operator"]
    assert len(lines) == 58  # header + 57 projects (no newlines inside the gold cells)
    assert lines[1].startswith("dcr-")


def test_export_jsonl_equals_datasette_json_with_lists_decoded(served):
    path, client = served
    records = [json.loads(line) for line in
               export(path, "--format", "jsonl", "--country", "SN")[0].decode().splitlines()]
    shown = client.get("/dcradar/projects.json?country=SN&_shape=array&_size=max").json()
    assert [r["project_id"] for r in records] == [r["project_id"] for r in shown]
    for record, row in zip(records, shown, strict=True):
        for key, value in row.items():
            if key in ("investors", "source_urls", "sources"):
                assert record[key] == json.loads(value)
            elif isinstance(value, float):
                assert record[key] == pytest.approx(value)
            else:
                assert record[key] == value, key
    dakar = next(r for r in records if r["city"] == "Dakar" and r["operator"] == "N+One")
    assert dakar["investors"] == ["African Infrastructure Investment Managers"]


def test_filters_map_onto_datasette_table_filters():
    assert datasette_args(LeadFilter(("ma",), "2024-01-01", ("N+One",))) == [
        ("country", "MA"), ("last_reported__gte", "2024-01-01"), ("operator", "N+One")]
    assert datasette_args(LeadFilter(operators=("A, B", "C"))) == [
        ("operator__in", '["A, B", "C"]')]
    assert datasette_csv_path(LeadFilter()) == "/dcradar/projects.csv?_stream=on"


def test_operator_spellings_resolve_to_stored_names(served):
    path, _ = served
    db = open_db(path)
    try:
        assert resolve_operators(db, ["n+one datacenters", "TERACO", "Nobody"]) == (
            "N+One", "Teraco", "Nobody")
        _, rows = lead_rows(db, LeadFilter(operators=("Nobody",)))
        assert rows == []
    finally:
        db.close()
