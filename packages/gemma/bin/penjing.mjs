#!/usr/bin/env node
// The `penjing` command (see `penjing --help`): the CLI of @penjing/transformer, with the Gemma
// family registered (importing the built package registers it).
import '../dist/index.js';
import { main } from '@penjing/transformer/cli';

process.exitCode = await main(process.argv.slice(2));
