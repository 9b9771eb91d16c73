import type { CommandModule } from './command-module';
import { shapesCommand } from './shapes';
import { devicesCommand } from './devices';
import { configsCommand } from './configs/index';
import { tuneCommand } from './tune';
import { benchCommand } from './bench';

export type { CommandModule } from './command-module';

// Each command group registers itself here, one line each.
export const commandModules: CommandModule[] = [
  configsCommand,
  shapesCommand,
  devicesCommand,
  tuneCommand,
  benchCommand,
];
