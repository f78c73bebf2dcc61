"""The command line: check-sources and the demo, as a user runs them."""

from __future__ import annotations

import socket
import sqlite3

import yaml
from conftest import dcradar


def _free_port_base(count: int = 6) -> int:
    for start in range(23100, 40000, 37):
        sockets = []
        try:
            for port in range(start, start + count):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                sockets.append(s)
            return start
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free ports")


def test_check_sources_reports_working_and_dead_entry_points(sample_server, tmp_path):
    spec = yaml.safe_load(sample_server.sources.read_text())
    spec["sources"].append({"name": "dead", "language": "en",
                            "feeds": ["http://127.0.0.1:9/feed.xml"]})
    polite = spec["sources"][0]["start_urls"][0].rstrip("/") + "/wp-admin/"
    spec["sources"].append({"name": "robots", "language": "en", "start_urls": [polite]})
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(spec))
    proc = dcradar("check-sources", "--sources", str(path), "--timeout", "5", check=False)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    ok = [line for line in lines if line.startswith("OK")]
    assert len(ok) == sum(len(s["start_urls"]) + len(s["feeds"]) + len(s["sitemaps"])
                          for s in spec["sources"][:-2])
    dead, robots = [line for line in lines if line.startswith("FAIL")]
    assert " dead " in dead and "127.0.0.1:9/feed.xml" in dead
    assert " robots " in robots and "disallowed by robots.txt" in robots
    assert "sources with none working: dead, robots" in proc.stderr
    # The disallowed page itself was never requested.
    assert not [r for r in sample_server.requests() if r["path"] == "/wp-admin/"]


def test_bad_sources_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("sources:\n- name: x\n")
    proc = dcradar("crawl", "--sources", str(path), "--db", str(tmp_path / "x.db"), check=False)
    assert proc.returncode != 0 and "no start_urls, feeds or sitemaps" in proc.stderr


def test_a_crawl_that_never_starts_fails(tmp_path):
    """Scrapy logs a component that fails to load and returns as if the crawl had ended;
    a scheduler must see a failure, not exit 0 with nothing crawled."""
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n- name: x\n  feeds: [http://127.0.0.1:9/feed.xml]\n")
    proc = dcradar("crawl", "--sources", str(sources), "--db", str(tmp_path / "x.db"),
                   "-s", 'EXTENSIONS={"no_such_module.Extension": 1}', check=False)
    assert proc.returncode == 1
    assert "No module named 'no_such_module'" in proc.stderr
    assert "the crawl never ran" in proc.stderr


def test_demo_twice_updates_the_same_rows(tmp_path):
    db = tmp_path / "demo.db"
    port = _free_port_base()
    args = ("demo", "--no-serve", "--db", str(db), "--sites-port", str(port))
    proc = dcradar(*args)
    # No control port for code sent over HTTP in an unattended crawl (spiders/settings.py).
    assert "Remote control HTTP server" not in proc.stderr
    conn = sqlite3.connect(db)
    first = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("pages", "articles")]
    conn.close()
    assert first[1] == 86
    dcradar(*args)
    conn = sqlite3.connect(db)
    assert [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("pages", "articles")] == first


def test_the_command_module_leaves_its_commands_imports_to_the_commands_that_use_them():
    # Every worker process of a crawl or a retag imports the command's main module again.
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, pipeline.cli\n"
            "print(sorted(m for m in ('scrapy', 'scrapy_redis', 'redis', 'twisted',"
            " 'sqlite_utils', 'yaml', 'db.projects') if m in sys.modules))\n"
            "print(pipeline.cli.cli.get_command(None, 'nightly').name)\n"
            "print(pipeline.cli.cli.get_command(None, 'build-projects').name)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["[]", "nightly", "build-projects"]
