"""make_vec: a vector env equals N single envs stepped one by one (Gymnasium 1.x's next-step
auto-reset, copy i seeded with seed + i), whatever the thread count; buffers are reused."""
import numpy as np
import pytest

import rlsim


def single_env_trajectory(id, n, seed, actions, params):
    """What N rlsim.make envs give under next-step auto-reset."""
    envs = [rlsim.make(id, **params) for _ in range(n)]
    obs = [e.reset(seed=seed + i)[0] for i, e in enumerate(envs)]
    pending = [False] * n
    out = []
    for row in actions:
        o, r, te, tr = [], [], [], []
        for i, e in enumerate(envs):
            if pending[i]:
                obs[i], _ = e.reset()
                reward, term, trunc = 0.0, False, False
                pending[i] = False
            else:
                obs[i], reward, term, trunc, _ = e.step(row[i])
                pending[i] = term or trunc
            o.append(obs[i])
            r.append(reward)
            te.append(term)
            tr.append(trunc)
        out.append((np.array(o), np.array(r), np.array(te), np.array(tr)))
    return out


def vector_trajectory(id, n, seed, actions, threads, params):
    v = rlsim.make_vec(id, n, threads=threads, **params)
    first, info = v.reset(seed=seed)
    assert info == {}
    out = []
    for row in actions:
        obs, rew, term, trunc, info = v.step(row)
        out.append((obs.copy(), rew.copy(), term.copy(), trunc.copy()))
    v.close()
    return out


@pytest.mark.parametrize("id,params", [("CartPole-v1", {}), ("FrozenLake-v1", {}),
                                        ("Pendulum-v1", {"max_episode_steps": 30}),
                                        ("BernoulliBandit-v0", {"horizon": 20})])
def test_vector_env_equals_single_envs_for_1_and_2_threads(id, params):
    n, steps, seed = 5, 250, 100
    space = rlsim.make(id).action_space
    rng = np.random.default_rng(0)
    if space.shape == ():
        actions = rng.integers(space.n, size=(steps, n)) + space.start
    else:
        actions = rng.uniform(space.low, space.high, size=(steps, n) + space.shape).astype(np.float32)
    expected = single_env_trajectory(id, n, seed, actions, params)
    for threads in (1, 2):
        got = vector_trajectory(id, n, seed, actions, threads, params)
        for (eo, er, ete, etr), (go, gr, gte, gtr) in zip(expected, got):
            assert np.array_equal(eo, go)
            assert np.array_equal(er, gr)
            assert np.array_equal(ete, gte) and np.array_equal(etr, gtr)
    # episodes did end (and auto-reset) in the test
    assert sum(e[2].sum() + e[3].sum() for e in expected) > 5


def test_chunks_and_thread_changes_do_not_change_results():
    # 21 copies make 8 chunks of 2 or 3 (up to 16 with threads=16); the pool's threads
    # change mid-run: every variant gives the trajectory of one thread.
    n, steps = 21, 120
    actions = np.random.default_rng(3).integers(2, size=(steps, n))
    expected = vector_trajectory("CartPole-v1", n, 7, actions, 1, {})
    for threads in (2, 3, 16):
        got = vector_trajectory("CartPole-v1", n, 7, actions, threads, {})
        assert all(np.array_equal(e[k], g[k]) for e, g in zip(expected, got) for k in range(4))
    v = rlsim.make_vec("CartPole-v1", n, threads=2)
    v.reset(seed=7)
    for t, row in enumerate(actions):
        v.threads = 1 + t % 3
        obs, rew, term, trunc, _ = v.step(row)
        assert np.array_equal(obs, expected[t][0]) and np.array_equal(rew, expected[t][1])
        assert np.array_equal(term, expected[t][2]) and np.array_equal(trunc, expected[t][3])
    assert v.threads == 3
    v.close()


def test_next_step_autoreset_semantics():
    v = rlsim.make_vec("CartPole-v1", 2)
    v.reset(seed=0)
    actions = np.ones(2, np.int64)  # pushing right ends CartPole episodes quickly
    for _ in range(200):
        obs, rew, term, trunc, _ = v.step(actions)
        if term[0]:
            final = obs[0].copy()
            break
    else:
        pytest.fail("no episode ended")
    assert abs(final[0]) > 2.4 or abs(final[2]) > 0.2  # the terminal observation
    obs, rew, term, trunc, _ = v.step(actions)
    assert rew[0] == 0.0 and not term[0] and not trunc[0]
    assert np.all(np.abs(obs[0]) <= 0.05)  # the new episode's first observation


def test_buffers_spaces_and_dtypes():
    v = rlsim.make_vec("CartPole-v1", 8)
    obs, _ = v.reset(seed=1)
    assert obs.shape == (8, 4) and obs.dtype == np.float32
    o1, r1, te1, tr1, _ = v.step(np.zeros(8, np.int64))
    o2, r2, te2, tr2, _ = v.step(np.zeros(8, np.int32))  # any integer dtype
    assert o1 is o2 and r1 is r2 and te1 is te2  # preallocated, rewritten each step
    assert r1.dtype == np.float64 and te1.dtype == bool and tr1.dtype == bool
    assert v.single_observation_space.shape == (4,)
    assert v.observation_space.shape == (8, 4)
    assert v.action_space.shape == (8,)
    assert obs in v.observation_space
    assert v.action_space.sample() in v.action_space
    c = rlsim.make_vec("CartPole-v1", 8, copy=True)
    c.reset(seed=1)
    a, *_ = c.step(np.zeros(8, np.int64))
    b, *_ = c.step(np.zeros(8, np.int64))
    assert a is not b
    lake = rlsim.make_vec("FrozenLake-v1", 3)
    obs, _ = lake.reset(seed=0)
    assert obs.dtype == np.int64 and obs.shape == (3,)
    assert v.metadata["autoreset_mode"] is not None
    v.threads = 2
    assert v.threads == 2


def test_seeding():
    v = rlsim.make_vec("CartPole-v1", 3)
    first, _ = v.reset()  # an unseeded first reset: copy i gets seed i
    singles = [rlsim.make("CartPole-v1").reset(seed=i)[0] for i in range(3)]
    assert np.array_equal(first, np.stack(singles))
    unseeded = rlsim.make("CartPole-v1").reset()[0]
    assert np.array_equal(first[0], unseeded)
    per_copy, _ = v.reset(seed=[5, None, 7])
    assert np.array_equal(per_copy[0], rlsim.make("CartPole-v1").reset(seed=5)[0])
    assert np.array_equal(per_copy[2], rlsim.make("CartPole-v1").reset(seed=7)[0])
    a, _ = v.reset(seed=9)
    a = a.copy()
    b, _ = v.reset(seed=9)
    assert np.array_equal(a, b)


def test_serial_and_parallel_schedules_give_the_same_results():
    # The auto rule (docs/python.md) picks, step by step, whether the copies step on the
    # calling thread or on the pool; forcing either way, or switching mid-run, must give the
    # trajectory of one thread. 3 threads on 10 copies: blocks of 3, 3 and 4. "workers" runs
    # block k on worker k even when the caller would take over a late worker's block (a
    # busy machine would otherwise seldom let the workers' path run here).
    n, steps = 10, 150
    actions = np.random.default_rng(5).integers(2, size=(steps, n))
    expected = vector_trajectory("CartPole-v1", n, 11, actions, 1, {})
    schedules = ["serial", "parallel", "workers", "auto"]
    for threads in (2, 3):
        for schedule in schedules:
            v = rlsim.make_vec("CartPole-v1", n, threads=threads)
            v._core.schedule = schedule
            assert v._core.schedule == schedule
            v.reset(seed=11)
            for t, row in enumerate(actions):
                if schedule == "auto" and t % 7 == 0:
                    v._core.schedule = schedules[(t // 7) % 4]  # switch mid-run too
                obs, rew, term, trunc, _ = v.step(row)
                assert np.array_equal(obs, expected[t][0])
                assert np.array_equal(rew, expected[t][1])
                assert np.array_equal(term, expected[t][2])
                assert np.array_equal(trunc, expected[t][3])
            v.close()
    # the auto rule has probed (its first probe is the first 8 steps): its figures are set
    v = rlsim.make_vec("CartPole-v1", n, threads=2)
    v.reset(seed=0)
    assert v._core.schedule == "auto" and v._core.schedule_stats["probes"] == 0
    for row in actions[:8]:
        v.step(row)
    stats = v._core.schedule_stats
    assert stats["probes"] == 1 and stats["serial_ns"] > 0 and stats["parallel_ns"] > 0
    assert stats["interval"] in (64, 128)  # 64 when the choice changed to parallel
    with pytest.raises(ValueError, match='schedule = "fast": use "auto", "serial", "parallel"'):
        v._core.schedule = "fast"
    v.close()



def test_worker_pool_runs_every_block_once_per_call():
    # make_vec's pool (run/worker_pool.hpp) called back to back: the caller may take
    # late workers' blocks over at every call (0), at no call (1), or not at every third
    # call (3); the helper raises if a block ran other than once per call. With 3, a worker
    # that lost a claim race to the caller and then took the next call's posting for the one
    # it had lost used to wait forever, and the caller with it (a race: this caught it in
    # about half the runs; with no work per block the caller races the workers most).
    from rlsim import _rlsim
    for threads in (2, 3, 5):
        for strict_every in (0, 1, 3):
            work_ns = 0 if strict_every == 3 else 500
            r = _rlsim.bench_pool_run_ns(threads, work_ns, 0.1, strict_every)
            assert r["ns"] > 0 and 0 <= r["worker_share"] <= 1
            if strict_every == 1:
                assert r["worker_share"] == 1
