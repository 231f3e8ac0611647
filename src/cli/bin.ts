#!/usr/bin/env node
import { ignoreClosedOutput } from './ignore-closed-output.js';
import { runCli } from './main.js';

ignoreClosedOutput();
process.exitCode = await runCli(process.argv);
