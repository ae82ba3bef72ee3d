#!/usr/bin/env bash
# Starts a Dataflow job from the Flex Template written by build.sh.
#
#   deploy/dataflow/run.sh streaming presspipe-live kafka_bootstrap_servers=10.0.0.5:9092 output=kafka:articles.enriched
#   deploy/dataflow/run.sh replay presspipe-replay-0501 kafka_bootstrap_servers=10.0.0.5:9092 \
#       since=2024-05-01T00:00:00Z until=2024-05-02T00:00:00Z output=avro:gs://my-bucket/replays/0501
#   UPDATE=1 deploy/dataflow/run.sh streaming presspipe-live ...     # replace the running job, keeping its state
#
# Parameters are the template's (deploy/dataflow/metadata.json): NAME=VALUE, list values comma-separated.
# Environment: PROJECT, REGION, BUCKET (as for build.sh), VERSION (default: pyproject's), NETWORK/SUBNETWORK
# (the workers must reach Kafka), MAX_WORKERS (10), TRANSFORM_NAME_MAPPINGS (with UPDATE=1, old=new,...).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MODE="${1:?usage: run.sh streaming|replay JOB_NAME [NAME=VALUE ...]}"
JOB_NAME="${2:?usage: run.sh streaming|replay JOB_NAME [NAME=VALUE ...]}"
shift 2
: "${PROJECT:?set PROJECT}" "${REGION:?set REGION}" "${BUCKET:?set BUCKET}"
VERSION="${VERSION:-$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/pyproject.toml")}"

case "$MODE" in
  streaming) PARAMETERS=("mode=streaming") ;;
  replay)    PARAMETERS=("mode=bounded") ;;
  *) echo "mode must be streaming or replay" >&2; exit 2 ;;
esac
PARAMETERS+=("$@")
# gcloud's alternative delimiter (^~^) keeps commas inside values (output=avro:gs://...,kafka:topic).
JOINED="^~^$(IFS='~'; echo "${PARAMETERS[*]}")"

FLAGS=(--project "$PROJECT" --region "$REGION"
       --template-file-gcs-location "gs://${BUCKET}/templates/presspipe-${VERSION}.json"
       --temp-location "gs://${BUCKET}/tmp" --staging-location "gs://${BUCKET}/staging"
       --max-workers "${MAX_WORKERS:-10}" --parameters "$JOINED")
[[ -n "${NETWORK:-}" ]] && FLAGS+=(--network "$NETWORK")
[[ -n "${SUBNETWORK:-}" ]] && FLAGS+=(--subnetwork "$SUBNETWORK")
if [[ "$MODE" == "streaming" ]]; then
  FLAGS+=(--enable-streaming-engine)
  if [[ "${UPDATE:-0}" == "1" ]]; then
    FLAGS+=(--update)
    [[ -n "${TRANSFORM_NAME_MAPPINGS:-}" ]] && FLAGS+=(--transform-name-mappings "$TRANSFORM_NAME_MAPPINGS")
  fi
fi
exec gcloud dataflow flex-template run "$JOB_NAME" "${FLAGS[@]}"
