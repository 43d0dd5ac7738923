import type { Command } from 'commander';
import { registerCountdown } from './countdown.js';
import { register as registerServeReward } from './serve-reward.js';
import { register as registerVerify } from './verify.js';

/** Every `metacot <command>`: each file registers one command group and stays a thin wrapper over the library. */
export const COMMANDS: Array<(program: Command) => void> = [
  registerCountdown,
  registerVerify,
  registerServeReward,
];
