import type { Command } from 'commander';
import type { CliIo } from '../io';
import { shapesCommand } from './shapes';
import { devicesCommand } from './devices';
import { configsCommand } from './configs/index';
import { tuneCommand } from './tune';

/** One command group: adds its subcommands to the program. One file per command group. */
export type CommandModule = (program: Command, io: CliIo) => void;

// Each command group registers itself here, one line each.
export const commandModules: CommandModule[] = [
  configsCommand,
  shapesCommand,
  devicesCommand,
  tuneCommand,
];
