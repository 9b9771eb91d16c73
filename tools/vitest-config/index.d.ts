import type { UserWorkspaceConfig } from 'vitest/config';
export declare const sourceAliases: Record<string, string>;
export declare function packageProject(name: string, overrides?: UserWorkspaceConfig): UserWorkspaceConfig;
