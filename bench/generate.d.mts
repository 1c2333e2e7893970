/** Types of generate.mjs, for the tests that build clusters with it. */
export const NODE_COUNT: number;
export function generateCluster(opts: { services: number; endpoints: number; seed?: number }): {
  list: { apiVersion: string; kind: string; metadata: Record<string, unknown>; items: Record<string, any>[] };
  stats: Record<string, number>;
};
