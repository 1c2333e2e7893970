#!/usr/bin/env node
// The compiled modules joined into a few files (scripts/bundle.mjs): they load in about half the time.
// With KPROXY_COMPILE_DEBUG set, an internal error's stack names the TypeScript sources (the
// bundle's source maps are read only then, and only for modules loaded after they are turned on).
if (process.env.KPROXY_COMPILE_DEBUG) process.setSourceMapsEnabled(true);
const { runProcess } = await import('../dist/bundle/bin.js');

await runProcess();
