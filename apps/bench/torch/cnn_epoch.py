"""PyTorch contender of apps/bench's CNN epoch script (src/cnn-epoch.ts).

Usage: /usr/bin/python3 cnn_epoch.py THREADS
Reads one command a line from stdin, "epoch STEPS", runs that many training steps of the
digit CNN (the same model, batch, data, labels, loss, optimizer and readback rule as the
layers runs: apps/bench/src/cnn-model.ts and cases/layers-common.ts's cnnRunner) and
answers one JSON line {"wall_ms": ..., "cpu_ms": ..., "loss": ...}. "ready" is printed once
the model is built and one warm-up step has run.
"""
import json
import sys
import time

import torch
from torch import nn


def bench_data(n, seed):
    # harness.ts's benchData: the same LCG, so both sides train on the same numbers.
    out = [0.0] * n
    s = seed & 0xFFFFFFFF
    for i in range(n):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = (s / 2**32) * 2 - 1
    return torch.tensor(out, dtype=torch.float32)


def main():
    torch.set_num_threads(int(sys.argv[1]))
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 7 * 7, 10),
    )
    x = bench_data(64 * 784, 40).reshape(64, 1, 28, 28)
    y = torch.arange(64) % 10
    ce = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = ce(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()  # read back every step, as the layers runs do

    step()
    print("ready", flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] != "epoch":
            print(json.dumps({"error": f"unknown command {line.strip()!r}"}), flush=True)
            continue
        steps = int(cmd[1])
        c0 = time.process_time()
        t0 = time.perf_counter()
        loss = 0.0
        for _ in range(steps):
            loss = step()
        wall = (time.perf_counter() - t0) * 1000
        cpu = (time.process_time() - c0) * 1000
        print(json.dumps({"wall_ms": wall, "cpu_ms": cpu, "loss": loss}), flush=True)


if __name__ == "__main__":
    main()
