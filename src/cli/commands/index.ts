import type { Command } from 'commander';
import { registerBench } from './bench.js';
import { registerCountdown } from './countdown.js';
import { registerData } from './data.js';
import { registerEval } from './eval.js';
import { registerExport } from './export.js';
import { registerIterate } from './iterate.js';
import { registerPassAtK, registerRun, registerSeeds } from './run.js';
import { registerMerge, registerSearch } from './search.js';
import { registerServe } from './serve.js';
import { register as registerServeReward } from './serve-reward.js';
import { registerServeRollouts } from './serve-rollouts.js';
import { registerTrain } from './train.js';
import { register as registerVerify } from './verify.js';

/** Every `metacot <command>`: each file registers one command group and stays a thin wrapper over the library. */
export const COMMANDS: Array<(program: Command) => void> = [
  registerBench,
  registerCountdown,
  registerData,
  registerRun,
  registerPassAtK,
  registerSeeds,
  registerTrain,
  registerVerify,
  registerServeReward,
  registerExport,
  registerServeRollouts,
  registerServe,
  registerEval,
  registerSearch,
  registerMerge,
  registerIterate,
];
