import type { RawObject } from './rawObject.js';

/**
 * Raw objects from a source that is not text: Kubernetes objects already parsed, e.g. the items a
 * live cluster returns through @kubernetes/client-node. Problems name `origin` and the object
 * (there are no line numbers).
 */
export function objectsSource(origin: string, objects: readonly object[]): RawObject[] {
  return objects.map((value) => ({ value: value as Readonly<Record<string, unknown>>, file: origin, locate: () => undefined }));
}
