#!/usr/bin/env node
/**
 * The main job: train a small CNN on real MNIST digits on any backend, save the weights as
 * safetensors with PyTorch's state-dict names, or evaluate saved weights with --predict.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { nn, setBackend } from '@layers/core';
import { parseArgs, USAGE, UsageError } from './args.js';
import { chooseBackend } from './backends.js';
import { loadMnist } from './data.js';
import { createModel } from './model.js';
import { evaluate, train } from './train.js';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const weightsPath = resolve(process.env.INIT_CWD || process.cwd(), args.weights);
  if (args.predict && !existsSync(weightsPath)) {
    throw new UsageError(`weights file not found: ${weightsPath} (train first with \`pnpm start\`)`);
  }
  const chosen = await chooseBackend(args.backend);
  setBackend(chosen.backend);
  console.log(`backend: ${chosen.name} (${chosen.note})`);
  const { train: trainSet, test } = loadMnist();
  console.log(`data: ${trainSet.size} training and ${test.size} test digits from the mnist package`);

  if (args.predict) {
    const model = createModel();
    const dict = nn.loadSafetensors(new Uint8Array(readFileSync(weightsPath)));
    model.loadStateDict(dict);
    const accuracy = await evaluate(model, test);
    console.log(`loaded ${weightsPath}\ntest accuracy ${(accuracy * 100).toFixed(2)}%`);
    await chosen.backend.destroy?.();
    return;
  }

  const started = performance.now();
  const { model, history } = await train(trainSet, test, {
    epochs: args.epochs,
    batchSize: args.batchSize,
    lr: args.lr,
    seed: args.seed,
    progress: true,
    log: (line) => console.log(line),
  });
  const final = history[history.length - 1];
  mkdirSync(dirname(weightsPath), { recursive: true });
  writeFileSync(weightsPath, await nn.saveSafetensors(model.stateDict()));
  console.log(
    `done in ${((performance.now() - started) / 1000).toFixed(1)}s: test accuracy ${(final.accuracy * 100).toFixed(2)}%\nweights saved to ${weightsPath} (load with --predict)`,
  );
  await chosen.backend.destroy?.();
}

main().catch((e: unknown) => {
  if (e instanceof UsageError) {
    console.error(`error: ${e.message}`);
    process.exit(2);
  }
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
