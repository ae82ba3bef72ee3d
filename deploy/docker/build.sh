#!/usr/bin/env bash
# Builds the presspipe worker image from the repository root and, with PUSH=1, pushes it.
#   IMAGE=registry.example.com/presspipe/worker:0.1.0 PUSH=1 deploy/docker/build.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VERSION="${VERSION:-$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/pyproject.toml")}"
IMAGE="${IMAGE:-presspipe/worker:${VERSION}}"
docker build -f "$ROOT/deploy/docker/Dockerfile" -t "$IMAGE" "$ROOT"
if [[ "${PUSH:-0}" == "1" ]]; then
  docker push "$IMAGE"
fi
echo "$IMAGE"
