#!/usr/bin/env node
// The `gpu-shopper` command. The project runs its TypeScript directly, so this loads cli/main.ts through tsx's
// loader (scoped to this import) and hands over the process's arguments and exit code.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../cli/main.ts', import.meta.url);
process.exitCode = await main(process.argv.slice(2));
