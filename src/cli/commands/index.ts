import type { Command } from 'commander';
import { registerBench } from './bench.js';
import { registerCountdown } from './countdown.js';
import { registerRun } from './run.js';
import { register as registerServeReward } from './serve-reward.js';
import { registerTrain } from './train.js';
import { register as registerVerify } from './verify.js';

/** Every `metacot <command>`: each file registers one command group and stays a thin wrapper over the library. */
export const COMMANDS: Array<(program: Command) => void> = [
  registerBench,
  registerCountdown,
  registerRun,
  registerTrain,
  registerVerify,
  registerServeReward,
];
