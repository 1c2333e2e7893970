import { createRequire } from 'node:module';

type JsYaml = typeof import('js-yaml');

let loaded: JsYaml | undefined;

/** js-yaml, loaded on first use: JSON input never needs it, and loading it is a noticeable share of start-up. */
export function yaml(): JsYaml {
  return (loaded ??= createRequire(import.meta.url)('js-yaml') as JsYaml);
}
