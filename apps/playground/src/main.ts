/**
 * The page: detect backends, train the apps/mnist CNN on a subset of the shipped digits
 * with a live chart, then classify what the user draws.
 *
 * State for tests and curious users is in the DOM: #status[data-state] is loading, ready,
 * training, trained or error; #status[data-accuracy] the last full test accuracy;
 * #prediction[data-digit] the predicted class. URL parameters (?train=&test=&epochs=&batch=&lr=)
 * prefill the form. `window.__playground.runs` holds every run's loss and accuracy points.
 */
import type { Backend, nn } from '@layers/core';
import {
  type BackendName,
  defaultBackend,
  detectBackends,
  getBackendInstance,
  type Support,
} from './backends.js';
import { Chart } from './chart.js';
import { loadDigits } from './data.js';
import { normalise, Pad, showPreview, toMnist } from './draw.js';
import { disposeModel, predict, train } from './trainer.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLSpanElement>('status');
const trainButton = $<HTMLButtonElement>('train');
const stopButton = $<HTMLButtonElement>('stop');
const metrics = $<HTMLParagraphElement>('metrics');
const prediction = $<HTMLParagraphElement>('prediction');
const probs = $<HTMLOListElement>('probs');
const preview = $<HTMLCanvasElement>('preview');
const chart = new Chart($<HTMLCanvasElement>('chart'));
(globalThis as { __playground?: unknown }).__playground = { runs: chart.runs };

type State = 'loading' | 'ready' | 'training' | 'trained' | 'error';
function setStatus(state: State, text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}

const numberInputs = ['train-size', 'test-size', 'epochs', 'batch', 'lr'] as const;
const params = new URLSearchParams(location.search);
const paramFor: Record<(typeof numberInputs)[number], string> = {
  'train-size': 'train',
  'test-size': 'test',
  epochs: 'epochs',
  batch: 'batch',
  lr: 'lr',
};
for (const id of numberInputs) {
  const v = params.get(paramFor[id]);
  if (v !== null) $<HTMLInputElement>(id).value = v;
}
const num = (id: (typeof numberInputs)[number]) => Number($<HTMLInputElement>(id).value);

let trained: { model: nn.Sequential; backend: Backend; name: BackendName } | null = null;
let stopRequested = false;

function selectedBackend(): BackendName | null {
  const checked = document.querySelector<HTMLInputElement>('input[name="backend"]:checked');
  return (checked?.value as BackendName | undefined) ?? null;
}

function renderBackends(list: Support[]): void {
  const ul = $<HTMLUListElement>('backends');
  ul.replaceChildren();
  const chosen = defaultBackend(list);
  for (const s of list) {
    const li = document.createElement('li');
    li.className = s.available ? 'available' : 'unavailable';
    li.dataset.backend = s.name;
    li.dataset.available = String(s.available);
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'backend';
    input.value = s.name;
    input.disabled = !s.available;
    input.checked = s.name === chosen;
    const small = document.createElement('small');
    small.textContent = s.detail;
    label.append(input, ` ${s.name} ${s.available ? '✓' : '✗'}`, small);
    li.append(label);
    ul.append(li);
  }
}

async function runTraining(): Promise<void> {
  const name = selectedBackend();
  if (!name) return;
  trainButton.disabled = true;
  stopButton.disabled = false;
  stopRequested = false;
  try {
    setStatus('training', `Loading digits…`);
    const data = await loadDigits(num('train-size'), num('test-size'), (f) =>
      setStatus('training', `Loading digits… ${Math.round(f * 100)}%`),
    );
    setStatus('training', `Starting ${name}…`);
    const backend = await getBackendInstance(name);
    if (trained) {
      disposeModel(trained.model);
      trained = null;
    }
    const run = chart.addRun(`${name} ×${data.train.size}`);
    const started = performance.now();
    let lastLoss = Number.NaN;
    const { model, stopped } = await train(
      backend,
      data,
      { epochs: num('epochs'), batchSize: num('batch'), lr: num('lr'), seed: 1, evalsPerEpoch: 4 },
      {
        onLoss(seen, loss) {
          lastLoss = loss;
          run.loss.push([seen, loss]);
          chart.update();
          const rate = seen / ((performance.now() - started) / 1000);
          setStatus(
            'training',
            `Training on ${name}: ${seen} samples, loss ${loss.toFixed(3)}, ${rate.toFixed(0)} samples/s`,
          );
        },
        onAccuracy(seen, accuracy, final) {
          run.accuracy.push([seen, accuracy]);
          chart.update();
          if (final) status.dataset.accuracy = accuracy.toFixed(4);
        },
        shouldStop: () => stopRequested,
      },
    );
    trained = { model, backend, name };
    const seconds = (performance.now() - started) / 1000;
    const acc = Number(status.dataset.accuracy ?? Number.NaN);
    metrics.textContent =
      `${name}: test accuracy ${(acc * 100).toFixed(1)}% on ${data.test.size} digits, final loss ${lastLoss.toFixed(3)}, ` +
      `${data.train.size} training digits, ${seconds.toFixed(1)} s${stopped ? ' (stopped early)' : ''}.`;
    setStatus('trained', `Trained on ${name}. Draw a digit below.`);
    await classify();
  } catch (e) {
    console.error(e);
    setStatus('error', `Error: ${(e as Error).message}`);
  } finally {
    trainButton.disabled = false;
    stopButton.disabled = true;
  }
}

const pad = new Pad($<HTMLCanvasElement>('pad'), () => void classify());

async function classify(): Promise<void> {
  const grey = toMnist(pad.grey());
  showPreview(preview, grey);
  if (!grey) {
    prediction.dataset.digit = '';
    prediction.textContent = trained ? 'Draw a digit.' : 'Train, then draw.';
    probs.replaceChildren();
    return;
  }
  if (!trained) {
    prediction.textContent = 'Train a model first.';
    return;
  }
  const p = await predict(trained.model, trained.backend, normalise(grey));
  const best = p.indexOf(Math.max(...p));
  prediction.dataset.digit = String(best);
  prediction.textContent = `Prediction: ${best} (${(p[best] * 100).toFixed(1)}%, ${trained.name})`;
  probs.replaceChildren(
    ...p.map((v, d) => {
      const li = document.createElement('li');
      li.className = d === best ? 'top' : '';
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.width = `${Math.max(0.5, v * 100)}%`;
      const track = document.createElement('div');
      track.append(bar);
      li.append(String(d), track, `${(v * 100).toFixed(1)}%`);
      return li;
    }),
  );
}

trainButton.addEventListener('click', () => void runTraining());
stopButton.addEventListener('click', () => {
  stopRequested = true;
});
$<HTMLButtonElement>('clear').addEventListener('click', () => {
  pad.clear();
  void classify();
});

detectBackends().then(
  (list) => {
    renderBackends(list);
    trainButton.disabled = false;
    setStatus('ready', 'Pick a backend and train.');
  },
  (e) => setStatus('error', `Backend detection failed: ${(e as Error).message}`),
);
