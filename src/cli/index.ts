#!/usr/bin/env node
import { runCli } from './program.js';

/** The `attrd` command. `serve` keeps the process alive; every other command exits with its code. */
const args = process.argv.slice(2);
runCli(args, {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then((code) => {
  if (args[0] !== 'serve' || code !== 0) process.exitCode = code;
});
