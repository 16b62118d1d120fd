import type { Client } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';

/**
 * Refuses to start a run that maintains Deeprecon* search attributes on a namespace that lacks
 * them: the workflow's first upsert would fail on every workflow task, and the client would wait
 * forever with the cause only in a worker's log. The error is the one-line fix.
 */
export async function checkSearchAttributes(client: Client, address: string): Promise<void> {
  const namespace = client.options.namespace;
  const response = await client.connection.operatorService.listSearchAttributes({ namespace });
  const registered = new Set(Object.keys(response.customAttributes ?? {}));
  const missing = Object.keys(SEARCH_ATTRIBUTE_TYPES).filter((name) => !registered.has(name));
  if (missing.length === 0) return;
  throw new Error(
    `search attributes ${missing.join(', ')} are not registered in namespace ${namespace}; register them once with ` +
      `\`TEMPORAL_ADDRESS=${address} TEMPORAL_NAMESPACE=${namespace} scripts/cluster/register-search-attributes.sh\` (or run without --search-attributes)`,
  );
}
