#!/usr/bin/env bash
# Submits the presspipe pipeline to Flink with Beam's portable FlinkRunner.
#
#   deploy/flink/submit.sh streaming [extra pipeline flags]     # follow the raw topic; returns once Flink runs it
#   deploy/flink/submit.sh replay --since 2024-05-01T00:00:00Z --until 2024-05-02T00:00:00Z --output avro:s3://...
#
# Environment (defaults suit "kubectl port-forward" to the manifests in this folder, or deploy/compose):
#   FLINK_MASTER       Flink REST address                          (localhost:8081)
#   JOB_ENDPOINT       Beam Flink job server, host:port            (localhost:8099); empty: FlinkRunner starts one
#                      itself from Maven (needs Java and network)
#   ENVIRONMENT_TYPE   EXTERNAL (worker pool sidecar) or DOCKER    (EXTERNAL)
#   WORKER_POOL        worker pool address as seen from a TaskManager (localhost:50000), for EXTERNAL
#   WORKER_IMAGE       presspipe worker image, for DOCKER          (presspipe/worker:<version>)
#   BOOTSTRAP_SERVERS  Kafka as seen from the TaskManagers         ($PRESSPIPE_BOOTSTRAP_SERVERS)
#   PARALLELISM        Flink parallelism                           (4)
#   CHECKPOINT_MS      checkpoint interval of streaming jobs       (60000)
#   SAVEPOINT_PATH     restore a streaming job from this savepoint (upgrade with state; see deploy/README.md)
#   ALLOW_NON_RESTORED_STATE=1  with SAVEPOINT_PATH: drop state of transforms that no longer exist
# Needs: a Python environment with presspipe installed, same Python minor and apache-beam version as the image.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MODE="${1:?usage: submit.sh streaming|replay [pipeline flags]}"
shift
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/pyproject.toml")"
PYTHON="${PYTHON:-python}"

FLAGS=(--runner FlinkRunner --flink_master "${FLINK_MASTER:-localhost:8081}" --flink_version 1.20
       --parallelism "${PARALLELISM:-4}" --sdk_location container)
if [[ -n "${JOB_ENDPOINT-localhost:8099}" ]]; then
  FLAGS+=(--job_endpoint "${JOB_ENDPOINT:-localhost:8099}")
fi
case "${ENVIRONMENT_TYPE:-EXTERNAL}" in
  EXTERNAL) FLAGS+=(--environment_type EXTERNAL --environment_config "${WORKER_POOL:-localhost:50000}") ;;
  DOCKER)   FLAGS+=(--environment_type DOCKER --environment_config "${WORKER_IMAGE:-presspipe/worker:${VERSION}}") ;;
  *) echo "ENVIRONMENT_TYPE must be EXTERNAL or DOCKER" >&2; exit 2 ;;
esac
if [[ -n "${BOOTSTRAP_SERVERS:-}" ]]; then
  FLAGS+=(--bootstrap-servers "$BOOTSTRAP_SERVERS")
fi

case "$MODE" in
  streaming)
    FLAGS+=(--mode streaming --checkpointing_interval "${CHECKPOINT_MS:-60000}")
    if [[ -n "${SAVEPOINT_PATH:-}" ]]; then
      FLAGS+=(--savepoint_path "$SAVEPOINT_PATH")
      # Only when a transform was removed on purpose: its state in the savepoint is then dropped.
      if [[ "${ALLOW_NON_RESTORED_STATE:-0}" == "1" ]]; then FLAGS+=(--allow_non_restored_state); fi
    fi
    # Detached: returns once the job runs; stop it with a savepoint (see deploy/README.md).
    exec "$PYTHON" -m presspipe.pipelines.runners "${FLAGS[@]}" "$@"
    ;;
  replay)
    # Waits for the bounded run, prints the summary and commits --group offsets if given.
    exec "$PYTHON" -m presspipe.pipelines.ingest "${FLAGS[@]}" --mode bounded "$@"
    ;;
  *) echo "mode must be streaming or replay" >&2; exit 2 ;;
esac
