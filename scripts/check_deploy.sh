#!/usr/bin/env bash
# Checks deploy/ offline, since no Docker engine or Kubernetes API runs here:
#   - every file is valid YAML in the project's style (yamllint);
#   - the compose file is valid for Compose (docker-compose config);
#   - the Kubernetes manifests have the fields their kinds require, each Deployment's selector
#     matches its pods' labels, each Service selects a Deployment's pods and targets ports they
#     name, workers reach the head's NATS Service (python3 with jsonschema);
#   - every package the Dockerfile installs exists in Debian 12, and its runtime stage installs
#     the package of every shared library the built binary needs (objdump, dpkg).
# Not checked: building the image and running the stack (they need a Docker engine).
#
#   bash scripts/check_deploy.sh [path of the built tradecluster binary]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
binary="${1:-build/src/cli/tradecluster}"

yamllint -d "{extends: default, rules: {line-length: {max: 100}, document-start: disable,
  comments: {min-spaces-from-content: 1}}}" deploy/
docker-compose -f deploy/docker-compose.yml config -q
echo "check_deploy: YAML and the compose file are valid"

python3 - deploy/k8s/*.yaml <<'PY'
import sys, yaml, jsonschema

container = {
    "type": "object", "required": ["name", "image"],
    "properties": {"ports": {"type": "array", "items": {
        "type": "object", "required": ["containerPort"],
        "properties": {"containerPort": {"type": "integer", "minimum": 1, "maximum": 65535}}}}},
}
schemas = {
    "ConfigMap": {"required": ["apiVersion", "kind", "metadata", "data"],
                  "properties": {"apiVersion": {"const": "v1"},
                                 "data": {"type": "object",
                                          "additionalProperties": {"type": "string"}}}},
    "Secret": {"required": ["apiVersion", "kind", "metadata"],
               "properties": {"apiVersion": {"const": "v1"}}},
    "Service": {"required": ["apiVersion", "kind", "metadata", "spec"],
                "properties": {"apiVersion": {"const": "v1"}, "spec": {
                    "type": "object", "required": ["selector", "ports"],
                    "properties": {"ports": {"type": "array", "minItems": 1, "items": {
                        "type": "object", "required": ["port"],
                        "properties": {"port": {"type": "integer"}}}}}}}},
    "Deployment": {"required": ["apiVersion", "kind", "metadata", "spec"],
                   "properties": {"apiVersion": {"const": "apps/v1"}, "spec": {
                       "type": "object", "required": ["selector", "template"],
                       "properties": {
                           "replicas": {"type": "integer", "minimum": 0},
                           "selector": {"type": "object", "required": ["matchLabels"]},
                           "template": {"type": "object", "required": ["metadata", "spec"],
                                        "properties": {"spec": {
                                            "type": "object", "required": ["containers"],
                                            "properties": {"containers": {
                                                "type": "array", "minItems": 1,
                                                "items": container}}}}}}}}},
}
metadata = {"type": "object", "required": ["name"],
            "properties": {"name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"}}}

docs = []
for path in sys.argv[1:]:
    with open(path) as f:
        docs += [(path, d) for d in yaml.safe_load_all(f) if d]
failures = []
deployments, services = {}, []
for path, d in docs:
    kind = d.get("kind")
    if kind not in schemas:
        failures.append(f"{path}: unexpected kind {kind!r}")
        continue
    try:
        jsonschema.validate(d, schemas[kind])
        jsonschema.validate(d["metadata"], metadata)
    except jsonschema.ValidationError as e:
        failures.append(f"{path}: {kind} {d.get('metadata', {}).get('name')}: {e.message}")
        continue
    if kind == "Deployment":
        labels = d["spec"]["template"]["metadata"].get("labels", {})
        for k, v in d["spec"]["selector"]["matchLabels"].items():
            if labels.get(k) != v:
                failures.append(f"{path}: Deployment {d['metadata']['name']}: selector {k}={v} "
                                "does not match its pods' labels")
        deployments[d["metadata"]["name"]] = d
    if kind == "Service":
        services.append((path, d))
for path, s in services:
    name = s["metadata"]["name"]
    chosen = [d for d in deployments.values()
              if all(d["spec"]["template"]["metadata"].get("labels", {}).get(k) == v
                     for k, v in s["spec"]["selector"].items())]
    if not chosen:
        failures.append(f"{path}: Service {name} selects no Deployment's pods")
        continue
    port_names = {p.get("name") for d in chosen for c in d["spec"]["template"]["spec"]["containers"]
                  for p in c.get("ports", [])}
    for p in s["spec"]["ports"]:
        target = p.get("targetPort", p["port"])
        if isinstance(target, str) and target not in port_names:
            failures.append(f"{path}: Service {name}: targetPort {target} is no container's port")
worker = deployments.get("tradecluster-worker")
head_services = [s for _, s in services
                 if any(p["port"] == 10000 for p in s["spec"]["ports"])]
if worker is None or not head_services:
    failures.append("the manifests need a tradecluster-worker Deployment and a Service for 10000")
else:
    address = f"nats://{head_services[0]['metadata']['name']}:10000"
    args = worker["spec"]["template"]["spec"]["containers"][0].get("args", [])
    if address not in args:
        failures.append(f"workers do not join {address}: {args}")
for f in failures:
    print("check_deploy:", f, file=sys.stderr)
if failures:
    sys.exit(1)
print(f"check_deploy: {len(docs)} Kubernetes objects are consistent")
PY

# The Dockerfile's packages exist in Debian 12, and its runtime stage has every library's.
mapfile -t installed < <(sed -n '/^FROM debian:12-slim/,$p' deploy/Dockerfile |
  grep -oE '\b(lib[a-z0-9.+-]+|ca-certificates|nats-server)\b' | sort -u)
mapfile -t all < <(grep -oE '\b(lib[a-z0-9.+-]+-dev|lib[a-z0-9.+-]+[0-9]|cmake|ninja-build|g\+\+|pkg-config|ca-certificates|nats-server)\b' \
  deploy/Dockerfile | sort -u)
for p in "${all[@]}"; do
  apt-cache show "$p" > /dev/null 2>&1 || { echo "check_deploy: Debian 12 has no package $p" >&2; exit 1; }
done
if [ -x "$binary" ]; then
  base="libc6 libgcc-s1 libstdc++6"
  cache=$(ldconfig -p)
  for lib in $(objdump -p "$binary" | awk '/NEEDED/ {print $2}'); do
    path=$(awk -v l="$lib" '$1 == l && !found {print $NF; found = 1}' <<< "$cache")
    pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | cut -d: -f1 | sed -n 1p || true)
    [ -z "$pkg" ] && pkg=$(dpkg -S "$path" 2>/dev/null | cut -d: -f1 | sed -n 1p || true)
    case " $base ${installed[*]} " in
      *" $pkg "*) ;;
      *) echo "check_deploy: the image lacks $pkg (for $lib)" >&2; exit 1 ;;
    esac
  done
  echo "check_deploy: the image's runtime stage has every library $binary needs"
fi
