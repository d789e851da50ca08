"""`make k8s-check`: render every kustomization under deploy/k8s/overlays and check what comes out.

    python deploy/k8s/check.py [--checkov PATH] [--out DIR]

1. Render: `kubectl kustomize` on each overlay (dev, prod and their backing/), into build/k8s/<name>.yaml.
2. Schemas: every built-in resource against the Kubernetes OpenAPI schemas with kubernetes-validate in
   strict mode (unknown fields are errors), for the oldest and the newest Kubernetes minor we support.
   Custom resources of the operators we rely on (CloudNativePG, NACK) are skipped: kubernetes-validate
   carries only the built-in schemas, and those CRDs come with the operators' releases, not from here.
   A built-in kind without a schema (a typo in kind or apiVersion) is an error, not a warning.
3. The suite's own rules, which no generic linter knows: every workload meets the Pod Security
   "restricted" level the namespace enforces (and has a read-only root filesystem), the console stays at
   one replica, the migration Job's name carries the release, the generated ConfigMaps carry their hash,
   and the prod connection budget (see overlays/prod/config.env) fits the pooler.
4. Policy: checkov on the rendered files, with the skips (each with its reason) in checkov-skips.yaml.
"""
from __future__ import annotations

import argparse
import functools
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
OVERLAYS = HERE / "overlays"
SKIPS_FILE = HERE / "checkov-skips.yaml"

# Kubernetes minors the manifests must be valid for: the oldest we support (matchLabelKeys in topology
# spread, PDB unhealthyPodEvictionPolicy are on by default there) and the newest the validator knows.
K8S_VERSIONS = ("1.32.0", None)  # None: kubernetes-validate's latest
# API groups of custom resources: not in kubernetes-validate (see the docstring).
CRD_GROUPS = {"postgresql.cnpg.io", "jetstream.nats.io"}
MAX_OVERFLOW = 20  # shared/db.py: create_engine(..., max_overflow=20) for every service's pool
DEFAULT_POOL_SIZE = 20  # shared/settings.py: db_pool_size default
DB_SERVICES = {"gateway": "GATEWAY_", "mediation": "MEDIATION_", "lawyers": "LAWYERS_"}


def kubectl() -> str:
    exe = os.environ.get("KUBECTL") or shutil.which("kubectl")
    if not exe:
        sys.exit("kubectl not found: install it (or set KUBECTL); `kubectl kustomize` renders the overlays")
    return exe


def overlays() -> list[Path]:
    return sorted(p.parent for p in OVERLAYS.rglob("kustomization.yaml"))


def render(exe: str, overlay: Path, out: Path) -> list[dict]:
    r = subprocess.run([exe, "kustomize", str(overlay)], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"kubectl kustomize {overlay.relative_to(REPO)} failed:\n{r.stderr}")
    out.write_text(r.stdout)
    return [d for d in yaml.safe_load_all(r.stdout) if d]


def group_of(doc: dict) -> str:
    api = doc.get("apiVersion", "")
    return api.split("/")[0] if "/" in api else ""


def name_of(doc: dict) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


def schema_check(docs: list[dict]) -> tuple[int, int, list[str]]:
    import kubernetes_validate
    from kubernetes_validate import utils

    # The schema files are read on every call; read each once.
    utils.schema_contents = functools.lru_cache(maxsize=None)(utils.schema_contents)
    versions = [v or utils.latest_version() for v in K8S_VERSIONS]
    checked = skipped = 0
    errors = []
    for doc in docs:
        if group_of(doc) in CRD_GROUPS:
            skipped += 1
            if not isinstance(doc.get("spec"), dict):
                errors.append(f"{name_of(doc)}: a custom resource without a spec")
            continue
        checked += 1
        for version in versions:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as e:
                path = ".".join(str(p) for p in e.path)
                errors.append(f"{name_of(doc)} (Kubernetes {version}): {path}: {e.message}")
            except kubernetes_validate.SchemaNotFoundError as e:
                errors.append(f"{name_of(doc)}: {e.message}")
    return checked, skipped, errors


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d.get("kind") == kind}


WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}


def pod_spec(doc: dict) -> dict:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def restricted(doc: dict) -> list[str]:
    """The Pod Security "restricted" level (what the namespace enforces) and a read-only root filesystem."""
    pod = pod_spec(doc)
    psc = pod.get("securityContext", {})
    errors = []
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(key):
            errors.append(key)
    for vol in pod.get("volumes", []):
        if not {"configMap", "emptyDir", "secret", "persistentVolumeClaim", "projected",
                "downwardAPI", "ephemeral", "csi"} & set(vol):
            errors.append(f"volume {vol.get('name')}: a type the restricted level refuses")
    for c in pod.get("initContainers", []) + pod["containers"]:
        csc = c.get("securityContext", {})
        where = f"container {c['name']}"
        if not csc.get("runAsNonRoot", psc.get("runAsNonRoot")):
            errors.append(f"{where}: runAsNonRoot")
        if csc.get("runAsUser", psc.get("runAsUser")) == 0:
            errors.append(f"{where}: runAsUser 0")
        seccomp = csc.get("seccompProfile", psc.get("seccompProfile", {})).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            errors.append(f"{where}: seccompProfile RuntimeDefault")
        if csc.get("allowPrivilegeEscalation") is not False:
            errors.append(f"{where}: allowPrivilegeEscalation false")
        if csc.get("privileged"):
            errors.append(f"{where}: privileged")
        caps = csc.get("capabilities", {})
        if "ALL" not in caps.get("drop", []) or set(caps.get("add", [])) - {"NET_BIND_SERVICE"}:
            errors.append(f"{where}: capabilities drop ALL (add nothing but NET_BIND_SERVICE)")
        if csc.get("readOnlyRootFilesystem") is not True:
            errors.append(f"{where}: readOnlyRootFilesystem")
    return [f"{name_of(doc)}: {e}" for e in errors]


def suite_rules(name: str, docs: list[dict]) -> list[str]:
    errors = []
    for doc in docs:
        if doc.get("kind") in WORKLOADS and group_of(doc) not in CRD_GROUPS:
            errors += restricted(doc)
    deployments = by_kind(docs, "Deployment")
    if "console" in deployments and deployments["console"]["spec"].get("replicas") != 1:
        errors.append("the console must run one replica (its sessions are in memory)")
    for job in by_kind(docs, "Job"):
        if job in ("suite-migrate", "suite-migrate-release"):
            errors.append(f"Job/{job}: the migration Job's name must carry the release (release.env RELEASE)")
    for cm in by_kind(docs, "ConfigMap"):
        if cm in ("suite-config", "nats-config"):
            errors.append(f"ConfigMap/{cm}: generated without its hash suffix (a change would not roll the pods)")
    return errors


def connection_budget(app: list[dict], backing: list[dict]) -> tuple[list[str], list[str]]:
    """The prod overlay's worst case of client connections against one pooler pod's max_client_conn."""
    errors, lines = [], []
    deployments = by_kind(app, "Deployment")
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in by_kind(app, "HorizontalPodAutoscaler").values()}
    config = next((c["data"] for n, c in by_kind(app, "ConfigMap").items() if n.startswith("suite-config")), {})
    total = 0
    for svc, prefix in DB_SERVICES.items():
        dep = deployments[svc]["spec"]
        replicas = hpas[svc]["spec"]["maxReplicas"] if svc in hpas else dep.get("replicas", 1)
        surge = dep.get("strategy", {}).get("rollingUpdate", {}).get("maxSurge", 1)
        if not isinstance(surge, int):
            errors.append(f"{svc}: maxSurge {surge!r} is not a number of pods; the budget needs one")
            continue
        pool = int(config.get(prefix + "DB_POOL_SIZE", DEFAULT_POOL_SIZE))
        conns = (replicas + surge) * (pool + MAX_OVERFLOW)
        total += conns
        lines.append(f"{svc}: ({replicas} + {surge} surge) pods x ({pool} + {MAX_OVERFLOW}) = {conns}")
    total += 1  # the migration Job: one connection at a time
    poolers = list(by_kind(backing, "Pooler").values())
    clusters = list(by_kind(backing, "Cluster").values())
    if not poolers or not clusters:
        return [*errors, "no Pooler or Cluster in the prod backing services"], lines
    params = poolers[0]["spec"]["pgbouncer"]["parameters"]
    limit = int(params["max_client_conn"])
    lines.append(f"total {total} (with the migration Job) <= max_client_conn {limit} of one pooler pod")
    if total > limit:
        errors.append(f"connection budget: up to {total} client connections > max_client_conn {limit}")
    server = poolers[0]["spec"]["instances"] * len(DB_SERVICES) * int(params["max_db_connections"])
    max_conn = int(clusters[0]["spec"]["postgresql"]["parameters"]["max_connections"])
    lines.append(f"server side: {poolers[0]['spec']['instances']} poolers x {len(DB_SERVICES)} databases x "
                 f"{params['max_db_connections']} = {server} <= max_connections {max_conn} - 20 reserved")
    if server > max_conn - 20:
        errors.append(f"pooler server connections {server} leave less than 20 of max_connections {max_conn}")
    return errors, lines


def checkov(exe: str, files: dict[str, Path]) -> int:
    skips = yaml.safe_load(SKIPS_FILE.read_text())
    rc = 0
    for env in sorted({name.split("-")[0] for name in files}):
        ids = sorted({*skips.get("all", {}), *skips.get(env, {})})
        paths = [str(p) for n, p in sorted(files.items()) if n.split("-")[0] == env]
        cmd = [exe, "--framework", "kubernetes", "--compact", "--quiet", "--skip-download",
               "--skip-check", ",".join(ids)]
        for p in paths:
            cmd += ["-f", p]
        print(f"== checkov ({env}: {len(paths)} files, {len(ids)} checks skipped with reasons in "
              f"{SKIPS_FILE.relative_to(REPO)})", flush=True)
        r = subprocess.run(cmd, env={**os.environ, "LOG_LEVEL": "WARNING"})
        if r.returncode != 0:
            rc = 1
        else:
            print("   no findings")
    return rc


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkov", help="the checkov executable (skipped when not given)")
    p.add_argument("--out", default=str(REPO / "build" / "k8s"))
    a = p.parse_args()
    start = time.monotonic()
    exe = kubectl()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    failed = False
    files: dict[str, Path] = {}
    rendered: dict[str, list[dict]] = {}
    for overlay in overlays():
        name = "-".join(overlay.relative_to(OVERLAYS).parts)
        files[name] = out / f"{name}.yaml"
        docs = rendered[name] = render(exe, overlay, files[name])
        checked, skipped, errors = schema_check(docs)
        errors += suite_rules(name, docs)
        where = overlay.relative_to(REPO)
        if errors:
            print(f"== {where}: {len(errors)} problems")
        else:
            print(f"== {where}: {len(docs)} resources; {checked} built-in ones valid (strict, Kubernetes "
                  f"{K8S_VERSIONS[0].rsplit('.', 1)[0]} and latest), {skipped} custom resources skipped; "
                  f"workloads restricted")
        for e in errors:
            print("   ERROR", e)
        failed |= bool(errors)
    if "prod" in rendered and "prod-backing" in rendered:
        errors, lines = connection_budget(rendered["prod"], rendered["prod-backing"])
        print("== prod connection budget")
        for line in lines:
            print("  ", line)
        for e in errors:
            print("   ERROR", e)
        failed |= bool(errors)
    if a.checkov:
        failed |= bool(checkov(a.checkov, files))
    print(f"k8s-check {'FAILED' if failed else 'passed'} in {time.monotonic() - start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
