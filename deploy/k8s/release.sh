#!/usr/bin/env bash
# Roll out the suite from an overlay, in order (deploy/k8s/README.md):
#   1. everything but the migration and the Deployments (namespace, ConfigMap, Services, policies, PDBs,
#      autoscaler, Ingress);
#   2. the release's migration Job (suite-migrate-<RELEASE>), waiting until it has completed; a failed
#      migration stops the release here, with the old pods still serving;
#   3. the Deployments, waiting for each rollout.
#
#   deploy/k8s/release.sh ENV [--release ID --image REF] [--skip-migration] [--plan]
#
#   ENV               an overlay under deploy/k8s/overlays (dev, prod)
#   --release ID      write RELEASE into the overlay's release.env first (with --image: a release is both)
#   --image REF       write IMAGE (registry/petition-suite@sha256:...) into release.env first
#   --skip-migration  steps 1 and 3 only: a rollback to an earlier release, whose code runs on the newer
#                     schema (migrations are expand-then-contract; see the README)
#   --plan            print the commands instead of running them
#
# KUBECTL (default kubectl) and its current context choose the cluster.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kubectl=${KUBECTL:-kubectl}
namespace=petition-suite
phase_label=petition-suite/phase

die() { echo "release.sh: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: release.sh ENV [--release ID --image REF] [--skip-migration] [--plan]"
env=$1; shift
overlay=$here/overlays/$env
[ -f "$overlay/kustomization.yaml" ] && [ -f "$overlay/release.env" ] || die "no overlay $overlay with a release.env"

new_release= new_image= migrate=1 plan=
while [ $# -gt 0 ]; do
  case $1 in
    --release) new_release=${2:?}; shift 2 ;;
    --image) new_image=${2:?}; shift 2 ;;
    --skip-migration) migrate=; shift ;;
    --plan) plan=1; shift ;;
    *) die "unknown argument $1" ;;
  esac
done

valid_release() { [[ $1 =~ ^[a-z0-9]([a-z0-9.-]{0,38}[a-z0-9])?$ ]]; }
by_digest() { [[ $1 =~ @sha256:[0-9a-f]{64}$ ]]; }

if [ -n "$new_release$new_image" ]; then
  [ -n "$new_release" ] && [ -n "$new_image" ] || die "--release and --image go together"
  valid_release "$new_release" || die "release id '$new_release': lowercase letters, digits, '.', '-'; at most 40"
  [ "$env" = dev ] || by_digest "$new_image" || die "image '$new_image' is not pinned by digest (@sha256:...)"
  {
    grep '^#' "$overlay/release.env" || true
    echo "RELEASE=$new_release"
    echo "IMAGE=$new_image"
    grep '^INGRESS_HOST=' "$overlay/release.env" || true
  } > "$overlay/release.env.new"
  mv "$overlay/release.env.new" "$overlay/release.env"
  echo "release.env: RELEASE=$new_release IMAGE=$new_image"
fi

release=$(sed -n 's/^RELEASE=//p' "$overlay/release.env")
image=$(sed -n 's/^IMAGE=//p' "$overlay/release.env")
host=$(sed -n 's/^INGRESS_HOST=//p' "$overlay/release.env")
valid_release "$release" || die "RELEASE '$release' in release.env is not a valid release id"
if [ "$env" != dev ]; then
  by_digest "$image" || die "IMAGE '$image' in release.env is not pinned by digest"
  case "$release $image" in
    unreleased*|*example.invalid*|*@sha256:0000000000000000000000000000000000000000000000000000000000000000)
      die "release.env still holds the placeholders: set --release and --image" ;;
  esac
  case $host in
    ''|*.invalid) die "INGRESS_HOST '$host' in release.env is a placeholder: set the public host name" ;;
  esac
fi
job=suite-migrate-$release

run() {
  echo "+ $*"
  [ -n "$plan" ] || "$@"
}

echo "== $env: release $release, image $image, host $host"
echo "== 1/3 configuration, services, policies"
run "$kubectl" apply -k "$overlay" -l "!$phase_label"

if [ -n "$migrate" ]; then
  echo "== 2/3 migration: job/$job"
  run "$kubectl" apply -k "$overlay" -l "$phase_label=migrate"
  if [ -z "$plan" ]; then
    deadline=$((SECONDS + 960))  # the Job's activeDeadlineSeconds is 900
    while :; do
      status=$("$kubectl" -n "$namespace" get job "$job" \
        -o jsonpath='{.status.succeeded} {.status.conditions[?(@.type=="Failed")].status}')
      case $status in
        1*) echo "   migrated"; break ;;
        *True) "$kubectl" -n "$namespace" logs "job/$job" --tail=50 >&2 || true
               echo "release.sh: the migration failed; the Deployments were not touched" >&2; exit 1 ;;
      esac
      [ $SECONDS -lt $deadline ] || { echo "release.sh: job/$job did not finish in time" >&2; exit 1; }
      sleep 5
    done
  fi
else
  echo "== 2/3 migration skipped (--skip-migration)"
fi

echo "== 3/3 rollout"
run "$kubectl" apply -k "$overlay" -l "$phase_label=rollout"
for deployment in gateway mediation lawyers console; do
  run "$kubectl" -n "$namespace" rollout status "deployment/$deployment" --timeout=10m
done
echo "== release $release is out"
