#!/usr/bin/env node
// The `penjing` command (see `penjing --help`); runs the built package in ../dist.
import { exitQuietlyOnBrokenPipe, main } from '../dist/cli/main.js';

// `penjing … | head` closes the pipe early: exit quietly instead of printing an EPIPE trace.
exitQuietlyOnBrokenPipe(process);
process.exitCode = await main(process.argv.slice(2));
