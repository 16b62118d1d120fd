import type { ArtifactStore } from './artifact-store';
import { LocalStore } from './local-store';
import { S3Store } from './s3-store';

export type StoreConfig =
  | { type: 'local'; path: string }
  | { type: 's3'; bucket: string; prefix: string; endpoint?: string; region: string; forcePathStyle: boolean };

const open = new Map<string, ArtifactStore>();

/** One store client per distinct config, reused across activities in a worker. */
export function openStore(config: StoreConfig): ArtifactStore {
  const id = JSON.stringify(config);
  let store = open.get(id);
  if (!store) {
    store = config.type === 'local' ? new LocalStore(config.path) : new S3Store(config);
    open.set(id, store);
  }
  return store;
}
