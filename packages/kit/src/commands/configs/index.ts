import type { Command } from 'commander';
import type { CliIo } from '../../io';
import type { CommandModule } from '../command-module';
import { registerDoctor } from './doctor';
import { registerInstall } from './install';
import { registerLookup } from './lookup';
import { registerMerge } from './merge';
import { registerPack } from './pack';

/** `moe configs …`: look up, check, install, merge and pack fused-MoE config files (one file per subcommand). */
export const configsCommand: CommandModule = (program: Command, io: CliIo) => {
  const configs = program.command('configs').description('fused-MoE config files: lookup, doctor, install, merge, pack');
  for (const register of [registerLookup, registerDoctor, registerInstall, registerMerge, registerPack]) register(configs, io);
};
