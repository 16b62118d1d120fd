#!/usr/bin/env bash
# One deeprecon worker for a cluster machine, configured from the environment (suits systemd,
# containers and job schedulers). Start one per task queue the machine serves.
#   TEMPORAL_ADDRESS=host:7233 [TEMPORAL_NAMESPACE=default] [DEEPRECON_TASK_QUEUE=deeprecon]
#   [DEEPRECON_CONCURRENCY=1] [DEEPRECON_BACKEND=auto] [TEMPORAL_TLS_CA=… TEMPORAL_TLS_CERT=… TEMPORAL_TLS_KEY=…]
# S3 credentials come from the standard AWS variables or credential files, never from here.
set -euo pipefail
cd "$(dirname "$0")/../.."
args=(--address "${TEMPORAL_ADDRESS:?set TEMPORAL_ADDRESS to host:port of the cluster frontend}"
      --namespace "${TEMPORAL_NAMESPACE:-default}"
      --task-queue "${DEEPRECON_TASK_QUEUE:-deeprecon}"
      --concurrency "${DEEPRECON_CONCURRENCY:-1}"
      --backend "${DEEPRECON_BACKEND:-auto}")
if [ -n "${TEMPORAL_TLS_CA:-}${TEMPORAL_TLS_CERT:-}" ]; then
  args+=(--tls)
  [ -n "${TEMPORAL_TLS_CA:-}" ] && args+=(--tls-ca "$TEMPORAL_TLS_CA")
  [ -n "${TEMPORAL_TLS_CERT:-}" ] && args+=(--tls-cert "$TEMPORAL_TLS_CERT" --tls-key "${TEMPORAL_TLS_KEY:?TEMPORAL_TLS_KEY goes with TEMPORAL_TLS_CERT}")
fi
exec node dist/worker.js "${args[@]}"
