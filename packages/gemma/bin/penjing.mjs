#!/usr/bin/env node
// The `penjing` command (see `penjing --help`): the CLI of @penjing/transformer, with the Gemma
// family registered (importing the built package registers it).
import '../dist/index.js';
import { exitQuietlyOnBrokenPipe, main } from '@penjing/transformer/cli';

// `penjing … | head` closes the pipe early: exit quietly instead of printing an EPIPE trace.
exitQuietlyOnBrokenPipe(process);
process.exitCode = await main(process.argv.slice(2));
