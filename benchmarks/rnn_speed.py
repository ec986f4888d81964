"""Speed of the companion's RNN, LSTM and GRU against torch.nn, as ratios measured in the same run.

    python benchmarks/rnn_speed.py            # the table (about two minutes)
    python benchmarks/rnn_speed.py --quick    # one round, fewer repeats

Each implementation runs in its own process with 2 threads: torch's idle OpenMP threads
slow NumPy's BLAS when both live in one process. Each child reports the fastest of
``--repeats`` calls, after warm-up; the implementations are run in ``--rounds``
interleaved rounds and the table shows the fastest over rounds. On a shared machine
other processes only add time, so the minimum is the least noisy estimate.
Ratios below 1 mean faster than torch.nn.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

SIZES = dict(N=64, T=100, D=32, H=128)
CELLS = ("lstm", "gru", "rnn")
IMPLS = ("torch.nn", "torch_nn", "numpy_nn")
TARGETS = {("numpy_nn", "lstm"): 1.0, ("numpy_nn", "gru"): 0.8, ("numpy_nn", "rnn"): 1.0, ("torch_nn", "lstm"): 2.0}


def _best_time(fn, repeats):
    """The fastest of ``repeats`` calls after two warm-up calls: on a shared machine other
    processes only ever add time, so the minimum is the least noisy estimate (as timeit advises)."""
    fn()
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _measure_numpy(cell, repeats):
    import numpy as np

    from companion import numpy_nn

    N, T, D, H = SIZES["N"], SIZES["T"], SIZES["D"], SIZES["H"]
    G = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    rng = np.random.default_rng(0)
    bound = 1 / np.sqrt(H)
    params = {
        "weight_ih_l0": rng.uniform(-bound, bound, (G * H, D)),
        "weight_hh_l0": rng.uniform(-bound, bound, (G * H, H)),
        "bias_ih_l0": rng.uniform(-bound, bound, G * H),
        "bias_hh_l0": rng.uniform(-bound, bound, G * H),
    }
    params = {k: v.astype(np.float32) for k, v in params.items()}
    x = rng.standard_normal((N, T, D), dtype=np.float32)
    dout = rng.standard_normal((N, T, H), dtype=np.float32)
    fwd = getattr(numpy_nn, f"{cell}_forward")
    bwd = getattr(numpy_nn, f"{cell}_backward")

    def forward():
        return fwd(x, None, params)

    def forward_backward():
        *_, cache = fwd(x, None, params)
        bwd(dout, None, cache)

    return _best_time(forward, repeats), _best_time(forward_backward, repeats)


def _measure_torch(impl, cell, repeats):
    import torch

    torch.set_num_threads(2)
    torch.manual_seed(0)
    if impl == "torch.nn":
        module = getattr(torch.nn, cell.upper())
    else:
        from companion import torch_nn

        module = getattr(torch_nn, cell.upper())
    N, T, D, H = SIZES["N"], SIZES["T"], SIZES["D"], SIZES["H"]
    model = module(D, H, batch_first=True)
    x = torch.randn(N, T, D, requires_grad=True)
    dout = torch.randn(N, T, H)

    def forward():
        with torch.no_grad():
            model(x)

    def forward_backward():
        out, _ = model(x)
        out.backward(dout)
        model.zero_grad(set_to_none=True)
        x.grad = None

    return _best_time(forward, repeats), _best_time(forward_backward, repeats)


def _child(impl, cell, repeats):
    if impl == "numpy_nn":
        result = _measure_numpy(cell, repeats)
    else:
        result = _measure_torch(impl, cell, repeats)
    print(json.dumps({"forward": result[0], "forward_backward": result[1]}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every implementation")
    parser.add_argument("--quick", action="store_true", help="5 repeats, 1 round")
    parser.add_argument("--child", nargs=2, metavar=("IMPL", "CELL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    repeats = 5 if args.quick else args.repeats
    rounds = 1 if args.quick else args.rounds
    if args.child:
        _child(*args.child, repeats)
        return

    env = dict(os.environ, OMP_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2", MKL_NUM_THREADS="2")
    runs = {}
    # Rounds interleave the implementations, so that a slow spell of a shared machine
    # hits all of them alike; each figure is the best over rounds.
    for _ in range(rounds):
        for cell in CELLS:
            for impl in IMPLS:
                proc = subprocess.run([sys.executable, __file__, "--child", impl, cell, "--repeats", str(repeats)],
                                      env=env, capture_output=True, text=True, check=True)
                result = json.loads(proc.stdout.strip().splitlines()[-1])
                for key, value in result.items():
                    runs.setdefault((impl, cell, key), []).append(value)
    results = {(impl, cell): {key: min(runs[impl, cell, key]) for key in ("forward", "forward_backward")}
               for impl in IMPLS for cell in CELLS}

    print(f"N={SIZES['N']}, T={SIZES['T']}, D={SIZES['D']}, H={SIZES['H']}, float32, 2 threads; "
          f"each time is the best of {repeats} calls in each of {rounds} interleaved rounds; "
          f"ratio = time / time of torch.nn")
    header = f"{'cell':5} {'impl':9} {'fwd ms':>8} {'fwd ratio':>10} {'fwd+bwd ms':>11} {'fwd+bwd ratio':>14}  target"
    print(header)
    print("-" * len(header))
    for cell in CELLS:
        ref = results["torch.nn", cell]
        for impl in IMPLS:
            r = results[impl, cell]
            ratio_f = r["forward"] / ref["forward"]
            ratio_fb = r["forward_backward"] / ref["forward_backward"]
            target = TARGETS.get((impl, cell))
            verdict = "" if target is None else f"<= {target:.1f}  {'met' if ratio_fb <= target else 'NOT met'}"
            print(f"{cell:5} {impl:9} {1e3 * r['forward']:8.2f} {ratio_f:10.2f} "
                  f"{1e3 * r['forward_backward']:11.2f} {ratio_fb:14.2f}  {verdict}")


if __name__ == "__main__":
    main()
