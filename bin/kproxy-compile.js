#!/usr/bin/env node
import { runProcess } from '../dist/cli/bin.js';

await runProcess();
