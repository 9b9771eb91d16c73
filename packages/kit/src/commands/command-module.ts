import type { Command } from 'commander';
import type { CliIo } from '../io';

/** One command group: adds its subcommands to the program. One file (or folder) per command group. */
export type CommandModule = (program: Command, io: CliIo) => void;
