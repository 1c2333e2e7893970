#!/usr/bin/env node
// The compiled modules joined into a few files (scripts/bundle.mjs): they load in about half the time.
import { runProcess } from '../dist/bundle/bin.js';

await runProcess();
