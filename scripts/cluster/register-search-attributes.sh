#!/usr/bin/env bash
# Registers deeprecon's search attributes on an existing Temporal cluster (once per namespace).
# Usage: TEMPORAL_ADDRESS=host:7233 TEMPORAL_NAMESPACE=default scripts/cluster/register-search-attributes.sh
# Needs the `temporal` CLI (npm install puts one in .deeprecon/tools/bin).
set -euo pipefail
cd "$(dirname "$0")/../.."
temporal_cli=${TEMPORAL_CLI:-$(command -v temporal || echo .deeprecon/tools/bin/temporal)}
address=${TEMPORAL_ADDRESS:?set TEMPORAL_ADDRESS to host:port of the cluster frontend}
namespace=${TEMPORAL_NAMESPACE:-default}
for pair in DeepreconExperiment:Keyword DeepreconSubjects:KeywordList DeepreconSweep:Keyword DeepreconStage:Keyword; do
  "$temporal_cli" operator search-attribute create --address "$address" --namespace "$namespace" \
    --name "${pair%%:*}" --type "${pair##*:}" || echo "(${pair%%:*} may already exist)"
done
