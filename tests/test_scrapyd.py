"""Scrapyd: deploy the egg to a scrapyd started on loopback, schedule ``news`` over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest
from nightly_support import REPO, free_port, query, wait_for

from pipeline.scrapyd import build_egg, deploy, deploy_target


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _post(url: str, fields: list[tuple[str, str]]) -> dict:
    data = urllib.parse.urlencode(fields).encode()
    with urllib.request.urlopen(url, data=data, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path):
    pytest.importorskip("scrapyd")
    port = free_port()
    (tmp_path / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {tmp_path / 'eggs'}\nlogs_dir = {tmp_path / 'logs'}\n"
        f"dbs_dir = {tmp_path / 'dbs'}\nitems_dir =\njobs_to_keep = 5\n"
        "max_proc = 1\npoll_interval = 0.2\n")
    proc = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return _get(f"{url}/daemonstatus.json")["status"] == "ok"
        except OSError:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            return False

    wait_for(up, 60, "scrapyd to listen", interval=0.2)
    yield url, tmp_path
    proc.terminate()
    proc.wait(timeout=20)


def test_scrapy_cfg_has_a_deploy_target():
    target = deploy_target()
    assert target["project"] == "dcradar" and target["url"].startswith("http://")


def test_egg_names_the_settings_module_and_carries_the_code(tmp_path):
    import zipfile

    path = tmp_path / "dcradar.egg"
    path.write_bytes(build_egg("1"))
    names = set(zipfile.ZipFile(path).namelist())
    assert {"spiders/news.py", "spiders/settings.py", "spiders/sources.yaml",
            "pipeline/store.py", "db/schema.py", "EGG-INFO/entry_points.txt"} <= names
    assert not any("sample_sites" in n for n in names)
    entry = zipfile.ZipFile(path).read("EGG-INFO/entry_points.txt").decode()
    assert "settings = spiders.settings" in entry


def test_scrapyd_runs_the_deployed_spider(scrapyd, sample_server):
    url, tmp = scrapyd
    answer = deploy(url, "dcradar", "1", root=REPO)
    assert answer["spiders"] == 1
    assert _get(f"{url}/listspiders.json?project=dcradar")["spiders"] == ["news"]
    db = tmp / "scrapyd.db"
    fast = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_START_DELAY=0.05", "RETRY_BACKOFF_BASE=0.2",
            f"DCRADAR_DB={db}"]
    job = _post(f"{url}/schedule.json", [
        ("project", "dcradar"), ("spider", "news"), ("sources", str(sample_server.sources)),
        ("only", "dev-a"), *[("setting", s) for s in fast]])
    assert job["status"] == "ok", job

    def finished() -> bool:
        jobs = _get(f"{url}/listjobs.json?project=dcradar")
        return any(j["id"] == job["jobid"] for j in jobs["finished"])

    wait_for(finished, 180, "the scrapyd job", interval=0.5)
    logs = list((tmp / "logs").rglob("*.log"))
    log = logs[0].read_text() if logs else "(no log)"
    assert db.exists(), log[-3000:]
    assert query(db, "SELECT count(*) FROM articles")[0][0] == 14, log[-3000:]
    assert query(db, "SELECT state FROM runs") == [("finished",)]
