"""Deploy the project to Scrapyd: build the egg Scrapyd runs, upload it to a ``[deploy]`` target.

``scrapy.cfg`` names the target (``[deploy]`` or ``[deploy:NAME]`` with
``url`` and ``project``), the same section ``scrapyd-deploy`` (scrapyd-client)
reads. ``dcradar deploy`` does the same job without scrapyd-client and
without writing a ``setup.py`` into the work tree: it zips the importable
packages with an ``EGG-INFO`` whose ``[scrapy] settings`` entry point tells
Scrapyd's runner which settings module to use, and POSTs it to
``addversion.json``. Then schedule the spider through Scrapyd's HTTP API::

    curl http://127.0.0.1:6800/schedule.json -d project=dcradar -d spider=news \\
         -d sources=/srv/dcradar/sources.yaml -d setting=DCRADAR_DB=/srv/dcradar/dcradar.db
"""

from __future__ import annotations

import configparser
import io
import json
import secrets
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import click

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("spiders", "pipeline", "db", "classifier")
#: Package data the crawl needs at run time (the bundled sample sites are left out).
DATA_SUFFIXES = (".py", ".yaml", ".yml", ".json", ".txt", ".joblib", ".pkl", ".csv", ".skops",
                 ".jsonl")
EXCLUDE_DIRS = {"__pycache__", "sample_sites"}


def deploy_target(name: str | None = None, cfg: Path = REPO / "scrapy.cfg") -> dict[str, str]:
    """``url`` and ``project`` of a ``[deploy]`` / ``[deploy:NAME]`` section of scrapy.cfg."""
    parser = configparser.ConfigParser()
    parser.read(cfg)
    section = f"deploy:{name}" if name else "deploy"
    if not parser.has_section(section):
        raise click.ClickException(f"{cfg} has no [{section}] section")
    target = dict(parser[section])
    if "url" not in target or "project" not in target:
        raise click.ClickException(f"[{section}] of {cfg} needs url and project")
    return target


def build_egg(version: str, root: Path = REPO) -> bytes:
    """A Scrapyd egg (zip) of the project's packages; returns its bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as egg:
        for package in PACKAGES:
            base = root / package
            if not (base / "__init__.py").exists():
                continue
            for path in sorted(base.rglob("*")):
                rel = path.relative_to(root)
                if path.is_dir() or EXCLUDE_DIRS & set(rel.parts) \
                        or path.suffix not in DATA_SUFFIXES:
                    continue
                egg.write(path, rel.as_posix())
        egg.writestr("EGG-INFO/PKG-INFO",
                     f"Metadata-Version: 2.1\nName: dcradar\nVersion: {version}\n")
        egg.writestr("EGG-INFO/entry_points.txt", "[scrapy]\nsettings = spiders.settings\n")
        egg.writestr("EGG-INFO/top_level.txt", "\n".join(PACKAGES) + "\n")
        egg.writestr("EGG-INFO/zip-safe", "")
    return buf.getvalue()


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "dcradar-" + secrets.token_hex(12)
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                  f"{value}\r\n".encode())
    for name, (filename, data) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                  f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                  .encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def deploy(url: str, project: str, version: str | None = None,
           root: Path = REPO, timeout: float = 60.0) -> dict[str, Any]:
    """Upload the egg to Scrapyd's ``addversion.json``; returns Scrapyd's JSON answer."""
    version = version or str(int(time.time()))
    body, ctype = _multipart({"project": project, "version": version},
                             {"egg": (f"{project}-{version}.egg", build_egg(version, root))})
    request = urllib.request.Request(url.rstrip("/") + "/addversion.json", data=body,
                                     headers={"Content-Type": ctype}, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.loads(response.read())
    if answer.get("status") != "ok":
        raise click.ClickException(f"Scrapyd refused the egg: {answer}")
    return answer


@click.command("deploy")
@click.argument("target", required=False)
@click.option("--url", help="Scrapyd URL (default: the target's url in scrapy.cfg).")
@click.option("--project", help="Scrapyd project (default: the target's project).")
@click.option("--version", help="Egg version (default: the current Unix time).")
def deploy_cmd(target: str | None, url: str | None, project: str | None,
               version: str | None) -> None:
    """Build the project egg and upload it to a Scrapyd [deploy] target of scrapy.cfg."""
    conf = deploy_target(target) if not (url and project) else {}
    answer = deploy(url or conf["url"], project or conf["project"], version)
    click.echo(json.dumps(answer), err=True)
