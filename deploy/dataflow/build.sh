#!/usr/bin/env bash
# Builds and pushes the worker image and the Flex Template launcher image, then writes the template spec to GCS.
#   PROJECT=my-project REGION=europe-west1 REPOSITORY=presspipe BUCKET=my-bucket deploy/dataflow/build.sh
# Needs: docker, gcloud (authenticated, "gcloud auth configure-docker ${REGION}-docker.pkg.dev" done).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
: "${PROJECT:?set PROJECT}" "${REGION:?set REGION}" "${BUCKET:?set BUCKET}"
REPOSITORY="${REPOSITORY:-presspipe}"
VERSION="${VERSION:-$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/pyproject.toml")}"
REGISTRY="${REGION}-docker.pkg.dev/${PROJECT}/${REPOSITORY}"
WORKER_IMAGE="${REGISTRY}/presspipe/worker:${VERSION}"
LAUNCHER_IMAGE="${REGISTRY}/presspipe/flex-launcher:${VERSION}"
TEMPLATE="gs://${BUCKET}/templates/presspipe-${VERSION}.json"

IMAGE="$WORKER_IMAGE" PUSH=1 "$ROOT/deploy/docker/build.sh"
docker build -f "$ROOT/deploy/dataflow/Dockerfile" --build-arg "WORKER_IMAGE=${WORKER_IMAGE}" \
  -t "$LAUNCHER_IMAGE" "$ROOT"
docker push "$LAUNCHER_IMAGE"
gcloud dataflow flex-template build "$TEMPLATE" \
  --project "$PROJECT" \
  --image "$LAUNCHER_IMAGE" \
  --sdk-language PYTHON \
  --metadata-file "$ROOT/deploy/dataflow/metadata.json"
echo "template: $TEMPLATE"
