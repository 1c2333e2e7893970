#!/usr/bin/env node
// The compiled modules joined into a few files (scripts/bundle.mjs): they load in a third of the time.
import { runProcess } from '../dist/bundle/bin.js';

await runProcess();
