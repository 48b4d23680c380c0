"""The bandit figures of plot.py beyond the regret curve, drawn when asked for with --what:

  regret_ratio  R(t) / ln t against pulls t (log scale), mean over seeds with its 95%
                Student-t band, from t = 3 on (ln t > 1). Lai & Robbins (1985): for every
                uniformly efficient policy, liminf R(t) / ln t >= C, C = sum over suboptimal
                arms of Δa / kl(μa, μ*) (Bernoulli arms), so an asymptotically optimal policy's
                ratio settles at C while a policy with polynomial regret keeps climbing. For
                BernoulliBandit-v0 with known arm means, C is drawn as a horizontal line
                (the mean of the instances' constants when means are drawn per run).
  final_regret  histogram of the runs' final pseudo-regret R(T), one outline per agent, on
                shared bins. The mean hides heavy tails (a greedy policy stuck on a bad arm in
                a few runs); the sidecar gives each agent's mean, median, 90th percentile, max
                and the per-run values.
  best_arm      the fraction of pulls of the best arm up to t, N*(t) / t, against pulls t
                (log scale), mean over seeds with its 95% Student-t band. N*(t) counts the
                pulls of an arm whose expected reward was the best at that pull (the regret
                table's optimal_pulls), so for a changing problem it follows the best arm of
                the moment. A consistent policy's fraction tends to 1; uniform play's is 1/K,
                drawn as a dotted line when the runs' number of arms is known. Runs whose
                file predates the count (optimal_pulls absent or -1) are left out, with a
                note.

All three use the regret table (docs/log-format.md, table 5) on the checkpoints every run
shares.
plot.py passes its helpers in `kit` (Figure, draw_mean, by_agent, common_regret_grid,
run_arm_means, json_numbers, BERNOULLI_ID), so this module imports nothing from it; plot.py
takes the Lai-Robbins constant and bound from here.
"""
import math
import sys

import numpy as np

KINDS = ("regret_ratio", "final_regret", "best_arm")


def bernoulli_kl(p, q):
    """kl(p, q) of Bernoulli distributions, with 0 log 0 = 0; inf when q is 0 or 1 and p is not."""
    def term(a, b):
        if a == 0.0:
            return 0.0
        if b == 0.0:
            return math.inf
        return a * math.log(a / b)

    return term(p, q) + term(1.0 - p, 1.0 - q)


def lai_robbins_constant(means):
    """C = sum over suboptimal arms of Δa / kl(μa, μ*); an arm with infinite kl adds 0."""
    best = max(means)
    c = 0.0
    for mu in means:
        gap = best - mu
        if gap <= 0.0:
            continue
        kl = bernoulli_kl(mu, best)
        if math.isfinite(kl) and kl > 0.0:
            c += gap / kl
    return c


def lai_robbins_bound(t, constant, max_gap):
    """The Lai & Robbins curve as drawn: min(C ln t, Δmax t), the asymptotic lower bound C ln t
    capped at the largest regret any policy can have after t pulls, Δmax t (Δmax = best mean
    - worst mean); without the cap C ln t exceeds every policy's regret for small t (for
    K = 100 arms and ε = 0.02, C ≈ 2,500)."""
    t = np.asarray(t, dtype=float)
    return np.minimum(constant * np.log(t), max_gap * t)


def _regret_runs(runs):
    return [r for r in runs if r.regret_step is not None and r.regret_step.size > 0]


def _colors():
    import matplotlib.pyplot as plt
    return plt.rcParams["axes.prop_cycle"].by_key()["color"]


def plot_regret_ratio(env_title, runs, labels, arm_means, kit):
    runs = _regret_runs(runs)
    if not runs:
        return None
    grid = kit.common_regret_grid(runs)
    grid = grid[grid >= 3]
    if grid.size == 0:
        return None
    fig = kit.Figure("regret_ratio", env_title, "pulls t (log scale)", "R(t) / ln t", log_x=True)
    colors = _colors()
    log_t = np.log(grid)
    for i, (key, group) in enumerate(sorted(kit.by_agent(runs).items(),
                                            key=lambda kv: labels[kv[0]])):
        rows = np.array([np.interp(grid, r.regret_step, r.pseudo_regret) / log_t for r in group])
        kit.draw_mean(fig, grid, rows, labels[key], colors[i % len(colors)], nonnegative=True)
    if runs[0].env_id == kit.BERNOULLI_ID:
        constants = {}
        for r in runs:
            means = kit.run_arm_means(r, arm_means)
            if means is None or len(means) < 2:
                constants = None
                break
            constants[r.env_seed] = lai_robbins_constant(means)
        if constants:
            c = float(np.mean(list(constants.values())))
            fig.ax.axhline(c, color="k", ls="--", lw=1.2, label=f"Lai-Robbins constant C={c:.3g}")
            fig.add("Lai-Robbins constant", 1, len(constants), "lower_bound", constant=c)
    return fig


def plot_final_regret(env_title, runs, labels, kit):
    runs = _regret_runs(runs)
    if len(runs) < 2:
        return None
    last = kit.common_regret_grid(runs)[-1]
    finals = {key: np.array([float(np.interp(last, r.regret_step, r.pseudo_regret))
                             for r in group])
              for key, group in kit.by_agent(runs).items()}
    values = np.concatenate(list(finals.values()))
    lo, hi = float(values.min()), float(values.max())
    bins = np.linspace(lo, hi if hi > lo else lo + 1.0, 31)
    fig = kit.Figure("final_regret", env_title, f"pseudo-regret R(T) at T = {int(last)} pulls",
                     "runs")
    colors = _colors()
    for i, key in enumerate(sorted(finals, key=lambda k: labels[k])):
        x = finals[key]
        fig.ax.hist(x, bins=bins, histtype="step", lw=1.5, color=colors[i % len(colors)],
                    label=f"{labels[key]} (n={x.size}, mean {x.mean():.3g})")
        fig.add(labels[key], x.size, x.size, "histogram", mean=float(x.mean()),
                median=float(np.median(x)), p90=float(np.percentile(x, 90)),
                max=float(x.max()), per_run=kit.json_numbers(x))
    return fig


def _arms(run, kit):
    """The run's number of arms, from its `arms` parameter or its arm means; None if unknown."""
    arms = run.env_params.get("arms")
    if isinstance(arms, int) and arms >= 2:
        return arms
    means = kit.run_arm_means(run, {})
    return len(means) if means is not None and len(means) >= 2 else None


def plot_best_arm(env_title, runs, labels, kit):
    runs = _regret_runs(runs)
    counted = [r for r in runs if r.optimal_pulls is not None]
    if len(counted) < len(runs):
        print(f"plot: {env_title}: {len(runs) - len(counted)} of {len(runs)} runs have no count "
              "of best-arm pulls (a file written before rlsim recorded optimal_pulls): left "
              "out of best_arm", file=sys.stderr)
    if not counted:
        return None
    grid = kit.common_regret_grid(counted)
    grid = grid[grid >= 1]
    if grid.size == 0:
        return None
    fig = kit.Figure("best_arm", env_title, "pulls t (log scale)",
                     "fraction of pulls of the best arm N*(t) / t", log_x=True)
    colors = _colors()
    for i, (key, group) in enumerate(sorted(kit.by_agent(counted).items(),
                                            key=lambda kv: labels[kv[0]])):
        rows = np.array([np.interp(grid, r.regret_step, r.optimal_pulls) / grid for r in group])
        finals = rows[:, -1]
        kit.draw_mean(fig, grid, rows, labels[key], colors[i % len(colors)], nonnegative=True,
                      final_mean=float(finals.mean()))
    arms = {_arms(r, kit) for r in counted}
    if len(arms) == 1 and None not in arms:
        k = arms.pop()
        fig.ax.axhline(1.0 / k, color="k", ls=":", lw=1.2, label=f"uniform play 1/K = 1/{k}")
        fig.add("uniform play", 1, len(counted), "reference", value=1.0 / k)
    fig.ax.set_ylim(0.0, 1.02)
    return fig
