import type { DataKind, Resource } from '../types.js';

/** Words and addresses for sources and destinations, which share their screens. */
export const KIND = {
  source: {
    one: 'source',
    title: 'Data sources',
    singular: 'Data source',
    path: '/sources',
    lead: 'A data source reads all records of a connector resource with one credential.',
    method: 'GET',
  },
  destination: {
    one: 'destination',
    title: 'Data destinations',
    singular: 'Data destination',
    path: '/destinations',
    lead: 'A data destination writes records (JSON Lines) to a connector resource with one credential.',
    method: 'POST',
  },
} as const satisfies Record<DataKind, unknown>;

/** The resources a source can read (GET) or a destination can write (POST). */
export function resourcesFor(kind: DataKind, resources: Resource[]): Resource[] {
  return resources.filter((r) => r.methods.includes(KIND[kind].method));
}
