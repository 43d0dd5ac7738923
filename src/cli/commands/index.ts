import type { Command } from 'commander';
import { registerCountdown } from './countdown.js';

/** Every `metacot <command>`: each file registers one command group and stays a thin wrapper over the library. */
export const COMMANDS: Array<(program: Command) => void> = [registerCountdown];
