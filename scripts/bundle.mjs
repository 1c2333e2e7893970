// Joins the compiled modules (dist/, from tsc) into a few files under dist/bundle/, which
// bin/kproxy-compile.js runs. Node resolves, reads and links each ES module on its own: the CLI's
// hundred small modules took 45-65 ms to load before any work began, the bundle about half that.
// Packages (commander, js-yaml, chalk) stay outside, loaded from
// node_modules as before; the commands loaded on demand (diff, churn, IPVS) stay separate files.
//   node scripts/bundle.mjs        (npm run build runs it after tsc)
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'bundle');
rmSync(outDir, { recursive: true, force: true });

await build({
  input: join(root, 'dist', 'cli', 'bin.js'),
  platform: 'node',
  // Only the project's own modules (relative paths) go in; node: built-ins and packages stay imports.
  external: (id) => !id.startsWith('.') && !id.startsWith('/'),
  logLevel: 'warn',
  // tsc's source maps go into the bundle's, so a stack read with them names the TypeScript sources
  // (bin/kproxy-compile.js turns them on with KPROXY_COMPILE_DEBUG).
  plugins: [{
    name: 'tsc-source-maps',
    load(id) {
      if (!id.endsWith('.js') || !existsSync(`${id}.map`)) return null;
      return { code: readFileSync(id, 'utf8'), map: readFileSync(`${id}.map`, 'utf8') };
    },
  }],
  output: { dir: outDir, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name].js', minify: false, sourcemap: true },
});
