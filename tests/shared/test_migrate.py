"""The migration Job's command (deploy/k8s/base/migrate-job.yaml) runs from the image's code alone
(`shared/` and `services/`, no `devtools/`) and brings every service's database to its head."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from shared import migrate
from shared.db import make_engine

ROOT = Path(__file__).resolve().parents[2]


def job_command() -> list[str]:
    for doc in yaml.safe_load_all((ROOT / "deploy/k8s/base/migrate-job.yaml").read_text(encoding="utf-8")):
        if doc and doc["kind"] == "Job":
            [container] = doc["spec"]["template"]["spec"]["containers"]
            return container["command"]
    raise AssertionError("no Job in migrate-job.yaml")


def test_the_job_command_migrates_every_database_without_devtools(tmp_path):
    command = job_command()
    assert command[:2] == ["python", "-m"] and not command[2].startswith("devtools")
    urls = {svc: f"sqlite:///{tmp_path / (svc + '.db')}" for svc in migrate.DATABASE_SERVICES}
    env = {**os.environ, "SUITE_ENV": "dev", **{f"{svc.upper()}_DATABASE_URL": url for svc, url in urls.items()}}
    # `python -m <module> <args>` with devtools made unimportable (the image does not have it)
    run_module = ("import runpy, sys; sys.modules['devtools'] = None; module = sys.argv.pop(1); "
                  "runpy.run_module(module, run_name='__main__', alter_sys=True)")
    subprocess.run([sys.executable, "-c", run_module, *command[2:]], cwd=tmp_path, env=env, check=True,
                   timeout=300)
    for svc, url in urls.items():
        engine = make_engine(url, pool_size=1)
        try:
            assert migrate.current_revisions(engine) == set(migrate.script_directory(svc).get_heads())
        finally:
            engine.dispose()
