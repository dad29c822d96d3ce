"""Training: fit in every array library with NumPy's numbers, validation, callbacks, seeding that
continues across calls, save and load, weight decay, the dtype policy, argument errors and the
progress bar's manners."""

import io
import json
import re
import sys
import warnings

import numpy as np
import pytest

from groupconv import SE2, ScaleTranslation, nn
from groupconv.fast.backend import to_numpy


def _data(n=12, size=28, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 1, size, size)), rng.integers(0, 10, n)


def _train(convert, **options):
    """Two epochs of the paper's P4CNN (float64, narrow) on ``convert``ed data: the history and
    the parameters and buffers as NumPy arrays."""
    x, y = _data(n=8)
    net = nn.p4cnn(width=2, dtype=np.float64, **options)
    history = nn.fit(net, convert(x), convert(y), epochs=2, batch_size=4, progress=False,
                     validation_data=(convert(x[:4]), convert(y[:4])))
    params = {k: to_numpy(v) for k, v in net.params.items()}
    buffers = {k: to_numpy(v) for k, v in net.buffer_values().items()}
    return history, params, buffers, net


def _assert_same_training(a, b, tol=1e-10):
    """The same losses, parameters and running statistics (float64: the same sums, up to the
    order each library adds them in)."""
    (hist_a, params_a, buffers_a, _), (hist_b, params_b, buffers_b, _) = a, b
    for ra, rb in zip(hist_a, hist_b):
        for key in ("loss", "val_loss"):
            assert abs(ra[key] - rb[key]) <= tol, key
        assert ra["accuracy"] == rb["accuracy"] and ra["val_accuracy"] == rb["val_accuracy"]
    for name in params_a:
        assert np.abs(params_a[name] - params_b[name]).max() <= tol, name
    for name in buffers_a:
        assert np.abs(buffers_a[name] - buffers_b[name]).max() <= tol, name


@pytest.fixture(scope="module")
def numpy_run():
    return _train(lambda a: a)


@pytest.mark.torch
def test_the_paper_network_trains_on_torch_tensors_like_numpy(numpy_run):
    torch = pytest.importorskip("torch")
    run = _train(torch.from_numpy)
    assert isinstance(run[3].params["0.weight"], torch.Tensor)
    assert isinstance(run[3].layers[1].running_var, torch.Tensor)
    _assert_same_training(numpy_run, run)


@pytest.mark.torch
def test_a_network_trained_on_torch_tensors_prints_counts_saves_and_loads(numpy_run, tmp_path):
    """Its parameters are torch tensors (whose .size is a method): repr, n_parameters and save
    read them; load gives NumPy arrays with the same values."""
    torch = pytest.importorskip("torch")
    model = _train(torch.from_numpy)[3]
    assert model.n_parameters == numpy_run[3].n_parameters and "BankConv" in repr(model)
    nn.save(model, tmp_path / "torch.npz")
    again = nn.load(tmp_path / "torch.npz")
    for name, value in model.params.items():
        assert np.array_equal(again.params[name], value.numpy()), name
    for name, value in model.buffer_values().items():
        assert np.array_equal(again.buffer_values()[name], value.numpy()), name


def test_the_paper_network_trains_on_jax_arrays_like_numpy(numpy_run):
    jax = pytest.importorskip("jax")
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        run = _train(jax.numpy.asarray)
    finally:
        jax.config.update("jax_enable_x64", previous)
    assert isinstance(run[3].params["0.weight"], jax.Array)
    _assert_same_training(numpy_run, run)


def test_the_paper_network_trains_on_dask_data_read_batch_by_batch(numpy_run):
    """Dask data (a dataset larger than memory, from Zarr say) is read batch by batch into its
    chunks' library: fit, its validation, evaluate and accuracy give NumPy's numbers; predict
    stays lazy; an example holding NaN is named as it is read."""
    da = pytest.importorskip("dask.array")
    run = _train(lambda a: da.from_array(a, chunks=3))
    assert isinstance(run[3].params["0.weight"], np.ndarray)
    _assert_same_training(numpy_run, run)
    x, y = _data(n=8)
    net = run[3]
    lazy = da.from_array(x, chunks=5)
    assert nn.evaluate(net, lazy, da.from_array(y, chunks=3)) == nn.evaluate(net, x, y)
    assert nn.accuracy(net, lazy, y, batch_size=3) == nn.accuracy(net, x, y, batch_size=3)
    assert isinstance(nn.predict(net, lazy), da.Array)
    x[6, 0, 2, 2] = np.nan
    for call in (lambda: nn.fit(net, da.from_array(x, chunks=3), y, batch_size=4,
                                optimizer=nn.Adam(net.params), progress=False),
                 lambda: nn.evaluate(net, da.from_array(x, chunks=3), y)):
        with pytest.raises(ValueError, match="x holds values that are not finite .* example 6"):
            call()


def test_dask_data_is_named_as_it_is_read_and_read_where_the_model_trains():
    """From a review of the Dask reading: a NaN found mid-epoch names the epoch and step; in
    the first examples it is no shape mismatch; in validation data it is validation_data[0],
    with the epoch trained before it on the exception's history; chunks of many examples
    are warned of (each step reads every chunk it touches); unknown chunk sizes are named."""
    da = pytest.importorskip("dask.array")
    x, y = _data(n=24)
    bad = x.copy()
    bad[11, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"example 11 .*, read at epoch 1, step \d of 6: the "
                                         r"model and its optimiser keep the steps before it"), \
            pytest.warns(UserWarning, match="an epoch reads about 3 times the data"):
        nn.fit(nn.p4cnn(width=2), da.from_array(bad, chunks=4), y, batch_size=4,
               progress=False)
    first = x.copy()
    first[0, 0, 0, 0] = np.inf
    with pytest.raises(ValueError, match=r"^evaluate: x holds values that are not finite .* "
                                         r"example 0"):
        nn.evaluate(nn.p4cnn(width=2), da.from_array(first, chunks=4), y)
    with pytest.raises(ValueError, match=r"^fit: validation_data\[0\] holds values that are "
                                         r"not finite .* example 11") as info:
        nn.fit(nn.p4cnn(width=2), x, y, batch_size=8, progress=False,
               validation_data=(da.from_array(bad, chunks=24), y))
    assert [record["epoch"] for record in info.value.history] == [1]
    lazy = da.from_array(x, chunks=4)
    with pytest.raises(ValueError, match=r"unknown chunk sizes .* x\.compute_chunk_sizes\(\)"):
        nn.fit(nn.p4cnn(width=2), lazy[lazy[:, 0, 0, 0] > 0], y[:3])


@pytest.mark.torch
def test_torch_data_with_dask_validation_data_keeps_the_model_on_torch():
    """The validation batches go where the model trains (it was moved to NumPy every epoch)."""
    torch = pytest.importorskip("torch")
    da = pytest.importorskip("dask.array")
    x, y = _data(n=24)
    net = nn.p4cnn(width=2)
    nn.fit(net, torch.from_numpy(x), torch.from_numpy(y), batch_size=8, progress=False,
           validation_data=(da.from_array(x, chunks=24), y))
    assert isinstance(net.params["0.weight"], torch.Tensor)


def test_an_error_inside_a_step_leaves_the_model_and_optimiser_as_before_it():
    """A layer that raises in its backward (a layer of yours, say, or Ctrl-C): the forward's
    update of the running statistics and the optimiser's state are undone, as for a
    diverged step."""
    x, y = _data(n=8)
    net = nn.p4cnn(width=2, dtype=np.float64)
    opt = nn.Adam(net.params)
    nn.fit(net, x, y, batch_size=4, optimizer=opt, progress=False)
    buffers = {k: np.array(v) for k, v in net.buffer_values().items()}
    params = {k: np.array(v) for k, v in net.params.items()}
    moments, t = {k: np.array(v) for k, v in opt.m.items()}, opt.t

    class Stop(Exception):
        pass

    def backward(*args, **kwargs):
        raise Stop("a layer's own error")

    net.layers[-1].backward = backward
    with pytest.raises(Stop):
        nn.fit(net, x, y, batch_size=4, optimizer=opt, progress=False)
    assert opt.t == t and all(np.array_equal(opt.m[k], moments[k]) for k in moments)
    assert all(np.array_equal(v, buffers[k]) for k, v in net.buffer_values().items())
    assert all(np.array_equal(v, params[k]) for k, v in net.params.items())


def test_data_of_a_library_groupconv_does_not_compute_in_is_named():
    """A Zarr array (it has a shape and a dtype, and no array namespace): the argument, what
    it is, and how to read it."""
    zarr = pytest.importorskip("zarr")
    x, y = _data(n=4)
    for call, name in ((lambda z: nn.fit(nn.p4cnn(width=2), z, y), "fit: x"),
                       (lambda z: nn.predict(nn.p4cnn(width=2), z), "predict: x")):
        with pytest.raises(TypeError, match=rf"{name} must be an array of NumPy.*got a zarr\..*"
                                            r"dask\.array\.from_zarr\(x\)"):
            call(zarr.array(x))


def test_float32_jax_trains_and_evaluates_without_warnings():
    """JAX without x64 (its default) truncates int64 and float64 with a warning: fit,
    evaluate and accuracy ask for neither."""
    jax = pytest.importorskip("jax")
    if jax.config.jax_enable_x64:
        pytest.skip("x64 is on in this process")
    rng = np.random.default_rng(0)
    x = jax.numpy.asarray(rng.standard_normal((6, 1, 14, 14)).astype(np.float32))
    y = jax.numpy.asarray(np.arange(6) % 3)
    model = nn.Sequential([nn.LiftingConv("p4", 1, 2, 3, rng=0), nn.ReLU(),
                           nn.GroupConv("p4", 2, 3, 3, rng=1),
                           nn.GlobalPool("max"), nn.SubgroupPool("max")])
    with warnings.catch_warnings():       # (JAX's truncation warning alone: not its others)
        warnings.filterwarnings("error", message=".*requested .* is not available")
        history = nn.fit(model, x, y, epochs=1, batch_size=3, progress=False)
        scores = nn.evaluate(model, x, y), nn.accuracy(model, x, y)
    assert 0 <= history[-1]["accuracy"] <= 1 and scores[0]["accuracy"] == scores[1]


def test_a_wrong_gradient_breaks_the_agreement(numpy_run, monkeypatch):
    """The comparison above can fail: a backward pass off by a little gives other weights."""
    original = nn.ReLU.backward

    def leaky(self, cache, dy, input_grad=True):
        dx, grads = original(self, cache, dy, input_grad)
        return dx + 1e-3 * dy, grads

    monkeypatch.setattr(nn.ReLU, "backward", leaky)
    with pytest.raises(AssertionError):
        _assert_same_training(numpy_run, _train(lambda a: a))


def test_validation_and_time_are_in_the_history(numpy_run):
    history = numpy_run[0]
    x, y = _data(n=8)
    x, y = x[:4], y[:4]
    assert [r["epoch"] for r in history] == [1, 2]
    scores = nn.evaluate(numpy_run[3], x, y)
    assert history[-1]["val_loss"] == pytest.approx(scores["loss"], rel=1e-12)
    assert history[-1]["val_accuracy"] == scores["accuracy"] == nn.accuracy(numpy_run[3], x, y)
    assert all(r["seconds"] > 0 for r in history)


def test_seeding_continues_across_calls():
    """Two calls of one epoch (one optimiser) train exactly as one call of two epochs: the
    batch order of epoch e comes from (seed, e), not from the start of each call."""
    x, y = _data(seed=1)

    def trained(calls):
        net = nn.z2cnn(width=3, dtype=np.float64)
        opt = nn.Adam(net.params)
        for epochs in calls:
            nn.fit(net, x, y, epochs=epochs, batch_size=5, optimizer=opt, progress=False)
        return net

    once, twice = trained([2]), trained([1, 1])
    assert twice.epochs_trained == once.epochs_trained == 2
    for name in once.params:
        assert np.array_equal(once.params[name], twice.params[name]), name
    # and a model that restarts from epoch 0 each call would differ
    restarted = nn.z2cnn(width=3, dtype=np.float64)
    opt = nn.Adam(restarted.params)
    for _ in range(2):
        restarted.epochs_trained = 0
        nn.fit(restarted, x, y, epochs=1, batch_size=5, optimizer=opt, progress=False)
    assert not all(np.array_equal(once.params[n], restarted.params[n]) for n in once.params)


def test_a_learning_rate_schedule_counts_epochs_over_the_model_s_life():
    """lr_schedule(e) is the rate of the epoch after e completed ones, set before it: two calls
    of one epoch train exactly as one call of two, and as the rates set by hand."""
    x, y = _data(seed=2)
    rates = {0: 0.01, 1: 0.002}

    def trained(calls, schedule=True):
        net = nn.z2cnn(width=3, dtype=np.float64)
        opt = nn.Adam(net.params)
        history = []
        for epochs in calls:
            if not schedule:
                opt.lr = rates[net.epochs_trained]
            history += nn.fit(net, x, y, epochs=epochs, batch_size=5, optimizer=opt,
                              progress=False, lr_schedule=rates.get if schedule else None)
        return net, history

    (once, history), (twice, _), (by_hand, _) = trained([2]), trained([1, 1]), \
        trained([1, 1], schedule=False)
    assert [r["lr"] for r in history] == [0.01, 0.002]
    for name in once.params:
        assert np.array_equal(once.params[name], twice.params[name]), name
        assert np.array_equal(once.params[name], by_hand.params[name]), name
    net = nn.z2cnn(width=3, dtype=np.float64)        # the schedule changes the training
    nn.fit(net, x, y, epochs=2, batch_size=5, optimizer=nn.Adam(net.params, lr=0.01),
           progress=False)
    assert not all(np.array_equal(once.params[n], net.params[n]) for n in once.params)


@pytest.mark.parametrize("schedule, error, match", [
    (0.01, TypeError, "lr_schedule must be a callable"),
    (lambda epoch: "0.01", TypeError, r"lr_schedule\(0\) must return a number"),
    (lambda epoch: 0.0, ValueError, r"lr_schedule\(0\) must return a learning rate > 0"),
    (lambda epoch: float("nan"), ValueError, "> 0, got nan"),
])
def test_a_wrong_learning_rate_schedule_is_refused_by_name(schedule, error, match):
    x, y = _data(n=6)
    with pytest.raises(error, match=match):
        nn.fit(nn.p4cnn(width=1), x, y, epochs=1, batch_size=3, progress=False,
               lr_schedule=schedule)


def test_a_schedule_may_return_numpy_integers_and_callbacks_may_be_none():
    """(A researcher's review: lr_schedule returning np.int64(1) was "not a number", and
    callbacks=None was refused as a callback "at position 0".)"""
    x, y = _data(n=6)
    history = nn.fit(nn.p4cnn(width=1), x, y, epochs=1, batch_size=3, progress=False,
                     lr_schedule=lambda epoch: np.int64(1), callbacks=None)
    assert history[0]["lr"] == 1.0 and type(history[0]["lr"]) is float


def test_a_schedule_needs_an_optimizer_with_a_learning_rate():
    class Plain:                              # any object with step(grads) trains ...
        def step(self, grads):
            pass

    x, y = _data(n=6)
    assert "lr" not in nn.fit(nn.p4cnn(width=1), x, y, batch_size=3, progress=False,
                              optimizer=Plain())[0]
    with pytest.raises(TypeError, match="Plain has no numeric lr"):   # ... but has no lr
        nn.fit(nn.p4cnn(width=1), x, y, batch_size=3, progress=False, optimizer=Plain(),
               lr_schedule=lambda epoch: 0.1)


def test_callbacks_see_each_record_and_can_stop_training():
    x, y = _data(n=6)
    seen = []

    def stop_after_two(record, model):
        seen.append((record["epoch"], model.epochs_trained))
        return record["epoch"] >= 2

    history = nn.fit(nn.p4cnn(width=1), x, y, epochs=5, batch_size=3, progress=False,
                     callbacks=[stop_after_two])
    assert seen == [(1, 1), (2, 2)] and len(history) == 2


def test_the_records_of_the_epochs_before_an_error_are_on_the_exception():
    """From a researcher's review: a callback that raised (a full disk at a checkpoint) lost
    the history of every epoch before it, fit never returning."""
    x, y = _data(n=6)

    def fails_at_three(record, model):
        if record["epoch"] == 3:
            raise OSError("no space left on device")

    with pytest.raises(OSError, match="no space") as caught:
        nn.fit(nn.p4cnn(width=1), x, y, epochs=5, batch_size=3, progress=False,
               callbacks=[fails_at_three])
    assert [r["epoch"] for r in caught.value.history] == [1, 2, 3]
    assert all({"loss", "accuracy", "seconds"} <= set(r) for r in caught.value.history)
    if sys.version_info >= (3, 11):
        assert "3 epochs completed before this error" in caught.value.__notes__[0]
    with pytest.raises(OSError) as caught:          # before any epoch: nothing to attach
        nn.fit(nn.p4cnn(width=1), x, y, epochs=1, batch_size=3, progress=False,
               augment=lambda batch, rng: (_ for _ in ()).throw(OSError("augment")))
    assert not hasattr(caught.value, "history")


def test_augment_gets_every_training_batch_and_a_seeded_generator():
    x, y = _data(n=6)
    draws = []

    def augment(batch, rng):
        draws.append(rng.random())
        return batch[:, :, ::-1, :]          # a mirror: the batch changes

    nets = [nn.z2cnn(width=2, dtype=np.float64) for _ in range(2)]
    nn.fit(nets[0], x, y, epochs=1, batch_size=3, augment=augment, progress=False)
    nn.fit(nets[1], x, y, epochs=1, batch_size=3, progress=False)
    assert len(draws) == 2
    assert not np.array_equal(nets[0].params["0.weight"], nets[1].params["0.weight"])
    again = []
    nn.fit(nn.z2cnn(width=2), x, y, epochs=1, batch_size=3, progress=False,
           augment=lambda b, rng: again.append(rng.random()) or b)
    assert again == draws


#: A scale group whose base prints with many digits.
SCALE = ScaleTranslation(2**0.5, n_scales=3, scale_extent=2)


@pytest.mark.parametrize("builder, size", [
    (lambda: nn.p4cnn(width=2, dropout=0.3), (28, 28)),
    (lambda: nn.z2cnn(width=3, dropout=0.3, dropout_per="element",
                      dropout_after=(1, 3, 4, 5, 6)), (28, 28)),
    (lambda: nn.voxel_gcnn("P432", 2, input_size=7), (7, 7, 7)),
    (lambda: nn.line_gcnn("z1m", 2, input_size=24, n_classes=3), (24,)),
    (lambda: nn.p6cnn(width=2, n_classes=3), (15, 15)),
    (lambda: nn.Sequential([nn.LiftingConv(SE2(12), 1, 2, 5, mode="same", rng=0),
                            nn.BatchNorm(2), nn.SiLU(), nn.SubgroupPool("mean"),
                            nn.GlobalPool("max"), nn.Flatten(), nn.Linear(2, 3)]), (9, 9)),
    (lambda: nn.Sequential([nn.LiftingConv(SCALE, 1, 2, 3, mode="same", rng=0),
                            nn.GroupConv(SCALE, 2, 2, 3, mode="same", rng=1),
                            nn.SubgroupPool("max"), nn.GlobalPool("mean"), nn.Flatten(),
                            nn.Linear(2, 3)]), (11, 11)),
], ids=["p4cnn", "z2cnn", "voxel", "line", "p6cnn", "se2", "scale-sqrt2"])
def test_save_and_load_rebuild_the_network(builder, size, tmp_path):
    """Every kind of group, a sampled one with an irrational base (its name must give back the
    very group, not one with a rounded base) too."""
    net = builder()
    x = np.random.default_rng(3).standard_normal((4, 1) + size).astype(np.float32)
    nn.fit(net, x, np.arange(4) % 3, epochs=1, batch_size=2, progress=False)  # statistics move
    path = tmp_path / "net.npz"
    nn.save(net, path)
    with np.load(path, allow_pickle=False) as data:              # nothing pickled
        assert json.loads(str(data["architecture"]))["epochs_trained"] == 1
    again = nn.load(path)
    assert repr(again) == repr(net) and again.epochs_trained == 1
    assert again.layers[0].bank.group == net.layers[0].bank.group
    assert [layer.config() for layer in again.layers] == [layer.config() for layer in net.layers]
    for name, value in net.buffer_values().items():
        assert np.array_equal(again.buffer_values()[name], value), name
    assert np.array_equal(again(x), net(x))


def test_load_refuses_a_group_name_registered_for_another_group(tmp_path, monkeypatch):
    """From a review of the dimension contract: a file recorded its groups by name alone, so a
    name registered elsewhere for the same rotations in another order (or for another group)
    rebuilt the network on that group, and load answered with other outputs in silence."""
    from groupconv.groups import PointGroup, SemidirectProduct, lattice
    turn = [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    group = SemidirectProduct(PointGroup("C3diag", {"c": turn}), name="c3diag_save")
    monkeypatch.setitem(lattice._REGISTRY, "c3diag_save", group)    # registered for this test
    net = nn.Sequential([nn.LiftingConv("c3diag_save", 1, 2, 3, rng=0),
                         nn.GroupConv("c3diag_save", 2, 2, 3, rng=1)])
    path = tmp_path / "net.npz"
    nn.save(net, path)
    x = np.random.default_rng(0).standard_normal((1, 1, 7, 7, 7)).astype(np.float32)
    assert np.array_equal(nn.load(path)(x), net(x))       # the same registration: loads
    backwards = SemidirectProduct(PointGroup("C3diag", {"c": np.array(turn).T.tolist()}),
                                  name="c3diag_save")     # c^-1 generates: another order
    mirrors = SemidirectProduct(PointGroup("C2", {"m": np.diag([-1, 1, 1]).tolist()}),
                                name="c3diag_save")
    for other, how in ((backwards, "the same point elements in another order"),
                       (mirrors, "other point elements")):
        monkeypatch.setitem(lattice._REGISTRY, "c3diag_save", other)   # as another process
        with pytest.raises(ValueError, match=f"'c3diag_save' registered here has {how}"):
            nn.load(path)
    monkeypatch.setitem(lattice._REGISTRY, "c3diag_save", group)
    assert np.array_equal(nn.load(path)(x), net(x))


def test_a_loaded_network_draws_its_dropout_masks_where_the_saved_one_left_off(tmp_path):
    """Dropout's generator is saved with the network (gcnn's Dropouts share one, and share it
    again after load): training on after load is training on in memory, bit for bit."""
    x = np.random.default_rng(1).standard_normal((10, 1, 28, 28)).astype(np.float32)
    y = np.random.default_rng(2).integers(0, 10, 10)
    net = nn.z2cnn(width=3, dropout=0.3, dropout_per="element", dropout_after=(1, 3, 4, 5, 6))
    nn.fit(net, x, y, epochs=1, batch_size=4, progress=False)
    nn.save(net, tmp_path / "net.npz")
    resumed = [nn.load(tmp_path / "net.npz") for _ in range(2)]
    for model in [net] + resumed:       # each with a fresh optimiser: alike, and said so
        with pytest.warns(UserWarning, match="a fresh Adam starts its moments from zero"):
            nn.fit(model, x, y, epochs=1, batch_size=4, progress=False)
    for model in resumed:
        assert all(np.array_equal(model.params[k], net.params[k]) for k in net.params)


def test_single_layers_compute_in_their_parameters_dtype():
    x = np.ones((1, 1, 4, 5, 5))                               # float64 data
    layer = nn.GroupConv("p4", 1, 2, 3)                        # float32 weights
    assert layer(x).dtype == np.float32 and layer.forward(x, True)[0].dtype == np.float32
    assert nn.BatchNorm(2, dtype=np.float64)(np.ones((2, 2, 3), np.float32)).dtype == np.float64
    net = nn.p4cnn(width=2, dtype=np.float64)                  # float32 data, float64 network
    assert net(np.ones((1, 1, 28, 28), np.float32)).dtype == np.float64


def test_load_refuses_files_that_do_not_match(tmp_path):
    net = nn.p4cnn(width=2)
    path = tmp_path / "net.npz"
    nn.save(net, path)
    with np.load(path) as data:
        arrays = dict(data)
    arrays["param/3.weight"] = arrays["param/3.weight"][:1]
    np.savez(tmp_path / "cut.npz", **arrays)
    with pytest.raises(ValueError, match=r"param/3\.weight has shape \(1,"):
        nn.load(tmp_path / "cut.npz")
    del arrays["param/3.weight"]
    np.savez(tmp_path / "less.npz", **arrays)
    with pytest.raises(ValueError, match=r"missing \['param/3\.weight'\]"):
        nn.load(tmp_path / "less.npz")
    np.savez(tmp_path / "plain.npz", w=np.ones(2))
    with pytest.raises(ValueError, match="not written by groupconv.nn.save"):
        nn.load(tmp_path / "plain.npz")
    with np.load(path) as data:
        arrays = dict(data)
    arrays["buffer/1.running_var"] = -arrays["buffer/1.running_var"]     # a negative variance
    np.savez(tmp_path / "negative.npz", **arrays)
    with pytest.raises(ValueError, match=r"buffer/1\.running_var in .* holds a negative "
                                         r"variance"):
        nn.load(tmp_path / "negative.npz")
    with np.load(path) as data:
        arrays = dict(data)
    header = json.loads(str(arrays["architecture"]))
    header["model"]["layers"][1]["channels"] = 10**13                   # 36 TiB of parameters
    arrays["architecture"] = np.array(json.dumps(header))
    np.savez(tmp_path / "huge.npz", **arrays)
    with pytest.raises(ValueError, match="is not one groupconv.nn builds"):
        nn.load(tmp_path / "huge.npz")
    # a network on a group this process has not registered (a user's own, in a fresh process):
    # the error says to register it before load
    text = str(arrays["architecture"]).replace('"P4"', '"line_not_registered_here"')
    arrays["architecture"] = np.array(text)
    np.savez(tmp_path / "unknown.npz", **arrays)
    with pytest.raises(ValueError, match=r"on a group not registered here .*register the group "
                                         r"\(groupconv.register\) before load"):
        nn.load(tmp_path / "unknown.npz")


def test_data_that_is_not_finite_is_refused_before_it_reaches_the_statistics():
    """A NaN pixel: refused, naming the argument and the example, before any forward pass (a
    batch norm's running statistics would keep it for good); a step whose loss is not finite
    is refused with the statistics as they were before it."""
    x, y = _data(n=4)
    net = nn.p4cnn(width=1)
    before = {name: np.array(value) for name, value in net.buffer_values().items()}
    bad = x.copy()
    bad[2, 0, 5, 5] = np.nan
    for call, message in (
            (lambda: nn.fit(net, bad, y, progress=False), "fit: x holds values that are not "
                                                          "finite .* in example 2 first"),
            (lambda: nn.fit(net, x, y, validation_data=(bad, y), progress=False),
             r"fit: validation_data\[0\] holds values that are not finite"),
            (lambda: nn.evaluate(net, bad, y), "evaluate: x holds"),
            (lambda: nn.accuracy(net, bad, y), "accuracy: x holds"),
            (lambda: nn.predict(net, bad), "predict: x holds")):
        with pytest.raises(ValueError, match=message):
            call()
    for name, value in net.buffer_values().items():
        assert np.array_equal(value, before[name]), name
    net.params["0.weight"] = np.full_like(net.params["0.weight"], np.nan)   # a diverged step
    with pytest.raises(ValueError, match="training diverged"):
        nn.fit(net, x, y, progress=False)
    for name, value in net.buffer_values().items():
        assert np.array_equal(value, before[name]), name
    with pytest.raises(ValueError, match=r"accuracy: y: labels must be in 0\.\.9"):
        nn.accuracy(nn.p4cnn(width=1), x, np.array([0, 1, 2, 12]))
    assert nn.predict(nn.p4cnn(width=1), x > 0).shape == (4, 10)      # bool images, as net(x)


def test_adams_first_step_is_the_learning_rate_along_the_gradients_sign():
    """With bias correction, m / (sqrt(v) + eps) = g / |g| after one step: each parameter
    moves by lr against its gradient's sign (a bias correction off by a step moves it by
    lr (1 - b1) / (1 - b1^2) instead)."""
    g = np.array([0.5, -2.0, 1e-3])
    params = {"w": np.array([1.0, 3.0, -1.0])}
    nn.Adam(params, lr=0.1).step({"w": g})
    np.testing.assert_allclose(params["w"], [0.9, 3.1, -1.1], rtol=0, atol=1e-6)


def test_adam_weight_decay_is_decoupled():
    """AdamW: p <- p - lr (adam step) - lr wd p; with a zero gradient only the decay acts,
    and with a gradient the decay adds lr wd p to plain Adam's step."""
    g = np.array([0.5, -2.0])
    plain, decayed = {"w": np.array([1.0, 3.0])}, {"w": np.array([1.0, 3.0])}
    nn.Adam(plain, lr=0.1).step({"w": g})
    nn.Adam(decayed, lr=0.1, weight_decay=0.01).step({"w": g})
    assert np.allclose(plain["w"] - decayed["w"], 0.1 * 0.01 * np.array([1.0, 3.0]),
                       rtol=1e-12, atol=0)
    with pytest.raises(ValueError, match="Adam weight_decay must be in"):
        nn.Adam(plain, weight_decay=-1)


def test_a_network_computes_in_its_parameters_dtype():
    net = nn.p4cnn(width=2)                          # float32 parameters
    x, y = _data(n=4)                                # float64 data
    assert net(x).dtype == np.float32
    assert np.array_equal(net(x), net(x.astype(np.float32)))
    assert nn.predict(net, x).dtype == np.float32
    history = nn.fit(net, x, y, epochs=1, batch_size=2, progress=False)
    assert net.params["0.weight"].dtype == np.float32 and np.isfinite(history[0]["loss"])
    # integers are data too
    assert net(np.ones((1, 1, 28, 28), np.uint8)).dtype == np.float32


def test_fit_names_the_argument_it_refuses():
    x, y = _data(n=4)
    net = nn.p4cnn(width=1)
    assert nn.fit(net, x, list(y), progress=False)       # a list of labels is accepted
    cases = [
        (dict(x=x.tolist()), TypeError, "fit: x must be an array"),
        (dict(y="abcd"), TypeError, r"fit: y \(the labels\) must be an integer array"),
        (dict(y=y[:3]), ValueError, r"y must hold one label per example of x, \(4,\)"),
        (dict(y=y.astype(float)), TypeError, r"y \(the labels\) must be integers"),
        (dict(validation_data=x), TypeError, r"validation_data must be a pair"),
        (dict(validation_data=(x, y[:2])), ValueError, r"validation_data\[1\] must hold"),
        (dict(callbacks=[1]), TypeError, "callbacks must be callables"),
        (dict(augment=3), TypeError, "augment must be a callable"),
        (dict(optimizer="adam"), TypeError, "optimizer must have a step"),
        (dict(optimizer=nn.Adam), TypeError, r"e.g. nn.Adam\(model.params\), got the class"),
        (dict(callbacks=[lambda record: None]), TypeError,
         r"callbacks\[0\] is called as callback\(record, model\).*it takes \(record\)"),
        (dict(epochs=0), ValueError, "fit: epochs must be an int in 1"),
        (dict(batch_size=2.5), TypeError, "fit: batch_size must be an int in 1"),
        (dict(seed=-1), ValueError, "fit: seed must be a non-negative int"),
    ]
    for change, error, message in cases:
        args = dict(x=x, y=y) | change
        with pytest.raises(error, match=message):
            nn.fit(net, args.pop("x"), args.pop("y"), progress=False, **args)
    assert net.epochs_trained == 1          # (the list's fit) no refused call trained an epoch
    seen = []
    # a second call without an optimiser starts a fresh Adam: said, as a loop of fit(epochs=1)
    # would otherwise train differently from one fit(epochs=k) without a word
    with pytest.warns(UserWarning, match="has trained 1 epoch, and no optimizer was given: a "
                                         "fresh Adam starts its moments from zero"):
        nn.fit(net, x, y, callbacks=lambda record, model: seen.append(record["epoch"]),
               progress=False)              # one callable alone
    assert seen == [2]
    with pytest.raises(ValueError, match="n_classes must be an int >= 2, got 1"):
        nn.p4cnn(width=1, n_classes=1)


def test_progress_bars_only_on_a_terminal(monkeypatch, capsys):
    pytest.importorskip("tqdm")
    x, y = _data(n=4)
    net = nn.z2cnn(width=2)

    class Log(io.StringIO):
        def isatty(self):
            return False

    class Terminal(Log):
        def isatty(self):
            return True

    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    opt = nn.Adam(net.params)
    for stream, bar in ((Log(), False), (Terminal(), True)):
        monkeypatch.setattr(sys, "stderr", stream)
        nn.fit(net, x, y, batch_size=2, optimizer=opt, validation_data=(x, y))
        assert ("\r" in stream.getvalue()) is bar, type(stream).__name__
        if bar:      # the bar ends on the epoch's validation scores too (it had not)
            assert re.search(r"val_acc=[01]\.\d{3}, val_loss=\d+\.\d{3}\]\s*$",
                             stream.getvalue()), stream.getvalue()[-300:]
    # a log file gets one plain line an epoch (a researcher's review: it got nothing at all)
    log = Log()
    monkeypatch.setattr(sys, "stderr", log)
    nn.fit(net, x, y, epochs=2, batch_size=2, optimizer=opt, validation_data=(x, y))
    lines = log.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 3", "epoch 4"], lines
    assert all(re.fullmatch(r"epoch \d: loss \d+\.\d{4}, accuracy [01]\.\d{3}, val_loss "
                            r"\d+\.\d{4}, val_accuracy [01]\.\d{3}, \d+\.\d\d s", line)
               for line in lines), lines
    quiet = Log()
    monkeypatch.setattr(sys, "stderr", quiet)
    nn.fit(net, x, y, batch_size=2, optimizer=opt, progress=False)
    assert quiet.getvalue() == ""
    log = Log()
    monkeypatch.setattr(sys, "stderr", log)
    nn.fit(net, x, y, batch_size=2, progress=True, optimizer=opt)   # asked for: shown anywhere
    assert "epoch" in log.getvalue()


def _digits(n=32):
    """n of scikit-learn's 8x8 digits, upsampled to 28 x 28 (float32) and their labels."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    images = np.kron(digits.images[:n] / 16, np.ones((3, 3)))
    return np.pad(images, ((0, 0), (2, 2), (2, 2)))[:, None].astype(np.float32), \
        digits.target[:n]


def test_a_run_that_blows_up_stops_with_the_model_as_before_the_step(tmp_path):
    """A learning rate of 100: the loss can stay finite while batch norm's float32 running
    variance overflows; the step that makes any statistic, gradient or parameter non-finite is
    refused and undone (the model keeps what it had), and save refuses what load would."""
    x, y = _digits()
    net = nn.p4cnn(width=2)
    snapshots = []
    with pytest.raises(ValueError, match="training diverged") as info, \
            np.errstate(over="ignore", invalid="ignore"):
        nn.fit(net, x, y, epochs=5, batch_size=16, optimizer=nn.SGD(net.params, lr=100.0),
               progress=False, callbacks=[lambda record, model: snapshots.append(
                   {k: np.array(v) for k, v in model.buffer_values().items()})])
    assert any(said in str(info.value) for said in (
        "holds NaN or infinite values", "the loss is",
        "BatchNorm(2) in training mode: x holds NaN or inf, or values whose variance overflows"))
    for value in list(net.params.values()) + list(net.buffer_values().values()):
        assert np.all(np.isfinite(value))
    nn.save(net, tmp_path / "kept.npz")          # what the model kept saves and loads
    nn.load(tmp_path / "kept.npz")
    net.params["0.weight"] = np.full_like(net.params["0.weight"], np.inf)
    with pytest.raises(ValueError, match=r"save: param/0\.weight holds NaN or infinite"):
        nn.save(net, tmp_path / "bad.npz")


@pytest.mark.parametrize("make", [lambda params: nn.SGD(params, lr=0.01),
                                  lambda params: nn.Adam(params, lr=1e-3)],
                         ids=["SGD", "Adam"])
def test_a_refused_step_leaves_the_optimiser_as_it_was(make):
    """The optimiser's moments and step count after a refused step are those from before it:
    one good epoch, then a learning rate of 1e39 (every parameter overflows to inf)."""
    x, y = _digits()
    net = nn.p4cnn(width=2)
    opt = make(net.params)
    nn.fit(net, x, y, epochs=1, batch_size=16, optimizer=opt, progress=False, max_steps=3)
    before = {slot: {k: np.array(v) for k, v in values.items()}
              for slot, values in opt.state().items()}
    t = getattr(opt, "t", None)
    opt.lr = 1e39
    with pytest.raises(ValueError, match="training diverged"), \
            np.errstate(over="ignore", invalid="ignore"):
        nn.fit(net, x, y, epochs=1, batch_size=16, optimizer=opt, progress=False)
    assert getattr(opt, "t", None) == t
    assert before and all(before.values())
    for slot, values in opt.state().items():
        assert values.keys() == before[slot].keys()
        for name, value in values.items():
            np.testing.assert_array_equal(value, before[slot][name])


def test_batch_norm_refuses_one_value_per_channel():
    """The unbiased variance of one value is undefined (n / (n - 1)): refused in training, as
    torch does, instead of pulling the running variance towards 0."""
    with pytest.raises(ValueError, match="holds one value per channel"):
        nn.BatchNorm(2).forward(np.array([[3.0, -5.0]], np.float32), True)
    assert nn.BatchNorm(2)(np.array([[3.0, -5.0]], np.float32)).shape == (1, 2)   # evaluation


def test_a_network_holds_each_layer_once_and_one_dtype():
    conv = nn.GroupConv("p4", 2, 2, 3, mode="same", rng=1)
    with pytest.raises(ValueError, match="layer 4 is the same object as layer 2"):
        nn.Sequential([nn.LiftingConv("p4", 1, 2, 3, mode="same", rng=0), nn.ReLU(), conv,
                       nn.ReLU(), conv])
    inner = nn.Sequential([conv, nn.ReLU()])
    with pytest.raises(ValueError, match=r"layer 1\.0 is the same object as layer 0\.0"):
        nn.Sequential([inner, nn.Sequential([conv])])
    with pytest.raises(ValueError, match="different dtypes .*float32 from layer 0.*float64 "
                                         "from layer 2"):
        nn.Sequential([nn.LiftingConv("p4", 1, 3, 3, rng=0), nn.ReLU(),
                       nn.BatchNorm(3, dtype=np.float64)])


def test_resuming_from_a_checkpoint_with_its_optimizer_is_training_on(tmp_path):
    """Two epochs in one call, against one epoch, save (with the optimiser), load, and one
    more: the same parameters, bit for bit, for Adam (moments, step count) and SGD with
    momentum (velocity); without the optimiser's state the runs differ."""
    x, y = _digits()
    for make in (lambda p: nn.Adam(p, lr=1e-3, weight_decay=1e-4),
                 lambda p: nn.SGD(p, lr=0.01, momentum=0.9)):
        straight = nn.p4cnn(width=2, rng=3)
        nn.fit(straight, x, y, epochs=2, batch_size=16, optimizer=make(straight.params),
               seed=5, progress=False)
        first = nn.p4cnn(width=2, rng=3)
        opt = make(first.params)
        nn.fit(first, x, y, epochs=1, batch_size=16, optimizer=opt, seed=5, progress=False)
        nn.save(first, tmp_path / "ck.npz", optimizer=opt)
        resumed = nn.load(tmp_path / "ck.npz")
        nn.fit(resumed, x, y, epochs=1, batch_size=16, seed=5, progress=False,
               optimizer=nn.load_optimizer(tmp_path / "ck.npz", resumed))
        fresh = nn.load(tmp_path / "ck.npz")
        nn.fit(fresh, x, y, epochs=1, batch_size=16, optimizer=make(fresh.params), seed=5,
               progress=False)
        for name in straight.params:
            assert np.array_equal(resumed.params[name], straight.params[name]), name
        assert any(not np.array_equal(fresh.params[k], straight.params[k])
                   for k in straight.params)
    with pytest.raises(ValueError, match="holds no optimiser"):
        nn.save(first, tmp_path / "plain.npz")
        nn.load_optimizer(tmp_path / "plain.npz", first)
    with pytest.raises(ValueError, match="optimizer updates other parameters"):
        nn.save(first, tmp_path / "other.npz", optimizer=nn.Adam(nn.p4cnn(width=2).params))
    with pytest.raises(ValueError, match=r"optimizer/velocity/0\.weight has shape"):
        nn.load_optimizer(tmp_path / "ck.npz", nn.p4cnn(width=3))


def test_an_optimiser_file_is_checked_as_a_model_file_is(tmp_path):
    """load_optimizer refuses what would resume another run: a moment missing (it would
    restart from zero under a step count past it), a negative second moment, a moment of
    another dtype than its parameter; an optimiser saved before its first step holds none."""
    x, y = _data(n=8)
    net = nn.p4cnn(width=2, rng=0)
    fresh = nn.Adam(net.params)
    nn.save(net, tmp_path / "fresh.npz", optimizer=fresh)
    assert nn.load_optimizer(tmp_path / "fresh.npz", nn.load(tmp_path / "fresh.npz")).t == 0
    opt = nn.Adam(net.params)
    nn.fit(net, x, y, batch_size=4, optimizer=opt, progress=False)
    nn.save(net, tmp_path / "ck.npz", optimizer=opt)
    with np.load(tmp_path / "ck.npz") as data:
        arrays = dict(data)
    with np.load(tmp_path / "fresh.npz") as data:
        fresh_arrays = dict(data)
    m, v = "optimizer/m/0.weight", "optimizer/v/4.beta"
    edits = {
        "negative.npz": ({**arrays, v: -arrays[v] - 1}, r"optimizer/v/4\.beta .* holds negative"),
        "float64.npz": ({**arrays, m: arrays[m].astype(np.float64)},
                        r"dtype float64; the parameter 0\.weight .* dtype float32"),
        "early.npz": ({**fresh_arrays, m: arrays[m]},
                      r"holds Adam's 'm' for \['0\.weight'\], and before its first step"),
        "missing.npz": ({k: a for k, a in arrays.items() if k != m},
                        r"holds no 'm' of Adam for \['0\.weight'\], and after its first step "
                        r"\(t = 2\) Adam keeps one"),
    }
    for name, (edited, message) in edits.items():
        np.savez(tmp_path / name, **edited)
        with pytest.raises(ValueError, match=message):
            nn.load_optimizer(tmp_path / name, nn.load(tmp_path / name))
    # (a review: SGD, which counts no steps, was told "after its first step (t = 0)")
    sgd = nn.SGD(net.params, momentum=0.9)
    nn.fit(net, x, y, batch_size=4, optimizer=sgd, progress=False)
    nn.save(net, tmp_path / "sgd.npz", optimizer=sgd)
    with np.load(tmp_path / "sgd.npz") as data:
        arrays = {k: a for k, a in data.items() if k != "optimizer/velocity/0.weight"}
    np.savez(tmp_path / "sgd_missing.npz", **arrays)
    with pytest.raises(ValueError, match=r"holds no 'velocity' of SGD for \['0\.weight'\], and "
                       r"after its first step SGD keeps one for every parameter"):
        nn.load_optimizer(tmp_path / "sgd_missing.npz", nn.load(tmp_path / "sgd_missing.npz"))


def test_labels_reach_any_library_as_class_indices():
    """NumPy int64 labels and lists for JAX data (which may run without int64), and torch's
    unsigned labels, are class indices like any others."""
    jnp = pytest.importorskip("jax.numpy")
    x, y = _digits(8)
    net = nn.p4cnn(width=1)
    expected = nn.evaluate(net, x, y)
    for labels in (y, y.tolist(), y.astype(np.uint32)):
        got = nn.evaluate(net, jnp.asarray(x), labels)
        assert abs(got["loss"] - expected["loss"]) < 1e-5 and got["accuracy"] == \
            expected["accuracy"]


@pytest.mark.torch
def test_torch_unsigned_labels_and_a_callback_that_moves_the_model():
    torch = pytest.importorskip("torch")
    x, y = _digits(8)
    xt = torch.from_numpy(x)
    for labels in (y.astype(np.uint32), torch.from_numpy(y.astype(np.uint32)),
                   torch.from_numpy(y.astype(np.uint16))):
        nn.evaluate(nn.p4cnn(width=1), xt, labels)
    net = nn.p4cnn(width=1)
    # a callback that evaluates on torch tensors moves the model there; NumPy training goes on
    history = nn.fit(net, x, y, epochs=2, batch_size=4, progress=False,
                     callbacks=[lambda record, model: nn.evaluate(model, xt, y) and None])
    assert len(history) == 2


def test_dropout_generators_of_any_kind_save_and_share_at_any_depth(tmp_path):
    """MT19937, Philox and SFC64 states hold arrays (as lists in the file); one generator
    shared by Dropouts in nested networks is shared again after load."""
    for bits in (np.random.MT19937, np.random.Philox, np.random.SFC64):
        net = nn.Sequential([nn.Linear(4, 4), nn.Dropout(0.5, rng=np.random.Generator(bits(0)))])
        net.forward(np.ones((2, 4), np.float32), True)
        nn.save(net, tmp_path / "d.npz")
        again = nn.load(tmp_path / "d.npz")
        assert np.array_equal(again.layers[1].rng.random(4), net.layers[1].rng.random(4))
    shared = np.random.default_rng(0)
    net = nn.Sequential([nn.Sequential([nn.Linear(4, 4), nn.Dropout(0.5, rng=shared)]),
                         nn.Sequential([nn.Dropout(0.5, rng=shared), nn.Linear(4, 2)])])
    nn.save(net, tmp_path / "n.npz")
    again = nn.load(tmp_path / "n.npz")
    assert again.layers[0].layers[1].rng is again.layers[1].layers[0].rng


def test_a_layer_refuses_a_workspace_bound_that_is_not_a_positive_int():
    with pytest.raises(TypeError, match=r"max_workspace \(bytes\) must be a positive int, "
                                        r"got 'big'"):
        nn.GroupConv("p4", 1, 1, 3, max_workspace="big")
    with pytest.raises(ValueError, match="max_workspace .* must be a positive int"):
        nn.GroupConv("p4", 1, 1, 3, max_workspace=-1)


# ------------------------------------------------------------------ a researcher's review
def _vector_head(rng=0):
    """A network with batch normalisation of vectors (after a global pool): it cannot train on
    a batch of one."""
    return nn.Sequential([nn.LiftingConv("p4", 1, 4, 3, rng=rng), nn.SubgroupPool("max"),
                          nn.GlobalPool("mean"), nn.Linear(4, 8, rng=rng), nn.BatchNorm(8),
                          nn.ReLU(), nn.Linear(8, 3, rng=rng)])


def test_save_refuses_what_load_would_rebuild_as_something_else(tmp_path):
    """A ReLU of the user's that triples its output was saved as "ReLU" and loaded as
    groupconv's ReLU, silently computing something else; so was a Sequential subclass with its
    own forward. save refuses both, and a layer of the user's own, and points to the weights
    alone, which load puts into a network the user builds."""
    class Tripled(nn.ReLU):
        def forward(self, x, training=False):
            y, cache = super().forward(x, training)
            return 3 * y, cache

    class Square(nn.Layer):
        def forward(self, x, training=False):
            return x * x, x

        def backward(self, cache, dy, input_grad=True):
            return 2 * cache * dy, {}

    def net(middle, rng=0):
        return nn.Sequential([nn.LiftingConv("p4", 1, 2, 3, rng=rng), middle,
                              nn.SubgroupPool("max"), nn.GlobalPool("mean"),
                              nn.Linear(2, 3, rng=rng)])

    hint = r"nn.save\(model, path, architecture=False\), and load them into the network you " \
        r"build: nn.load\(path, into=model\)"
    with pytest.raises(TypeError, match=r"save: layer 1, .*Tripled, would be loaded as "
                                        r"groupconv's ReLU .*" + hint):
        nn.save(net(Tripled()), tmp_path / "a.npz")

    class Mine(nn.Sequential):
        pass
    with pytest.raises(TypeError, match=r"save: .*Mine, would be loaded as groupconv's "
                                        r"Sequential"):
        nn.save(Mine([nn.ReLU()]), tmp_path / "b.npz")
    with pytest.raises(TypeError, match=r"save: the network's architecture cannot be recorded "
                                        r"\(Square does not record its architecture.*" + hint):
        nn.save(net(Square()), tmp_path / "c.npz")
    assert not list(tmp_path.iterdir())                          # nothing written
    mine = net(Square())
    x, y = _data(n=6, size=9)
    nn.fit(mine, x, y % 3, batch_size=3, progress=False)
    nn.save(mine, tmp_path / "c.npz", architecture=False)
    with pytest.raises(ValueError, match=r"without an architecture .* nn.load\(path, "
                                         r"into=model\)"):
        nn.load(tmp_path / "c.npz")
    again = nn.load(tmp_path / "c.npz", into=net(Square(), rng=1))
    assert np.array_equal(again(x), mine(x)) and again.epochs_trained == 1
    with pytest.raises(ValueError, match="do not match the network given as into"):
        nn.load(tmp_path / "c.npz", into=nn.p4cnn(width=2))
    with pytest.raises(TypeError, match="into must be a groupconv.nn Layer"):
        nn.load(tmp_path / "c.npz", into="net")
    with pytest.raises(TypeError, match="architecture must be True or False"):
        nn.save(mine, tmp_path / "d.npz", architecture="no")


def test_fit_refuses_a_last_batch_of_one_before_the_first_step():
    """Batch normalisation of vectors cannot train on one example: fit stopped with it after
    five steps of its first epoch, the model half trained. Now refused before any step, with
    the batch size named; a batch size that leaves no batch of one trains."""
    x, y = _data(n=41, size=12)
    y = y % 3
    net = _vector_head()
    before = {name: np.array(value) for name, value in net.params.items()}
    with pytest.raises(ValueError, match=r"with batch_size 8, the last batch of each epoch "
                                         r"\(N = 41 = 5 x 8 \+ 1\) holds one example, and the "
                                         r"model cannot train on one: layer 4, BatchNorm\(8\)"):
        nn.fit(net, x, y, batch_size=8, progress=False)
    assert net.epochs_trained == 0 and all(np.array_equal(before[n], v)
                                           for n, v in net.params.items())
    assert all(np.array_equal(v, w) for v, w in zip(net.buffer_values().values(),
                                                    _vector_head().buffer_values().values()))
    with pytest.raises(ValueError, match="with batch_size 1, every batch holds one example"):
        nn.fit(net, x, y, batch_size=1, progress=False)
    assert len(nn.fit(net, x, y, batch_size=6, progress=False)) == 1    # 41 = 6 x 6 + 5
    nn.fit(nn.p4cnn(width=2), *_data(n=5), batch_size=4, progress=False,
           optimizer=None)          # batch norm over space: a batch of one trains


def test_fit_names_augments_nan_and_the_reason_a_shape_does_not_fit():
    """NaN put in by augment was blamed on the learning rate; fit's shape error dropped the
    layer's own reason."""
    x, y = _data(n=8, size=12)
    net = _vector_head()
    with pytest.raises(ValueError, match=r"fit: augment's batch holds values that are not "
                                         r"finite \(NaN or inf\), in example 0 first"):
        nn.fit(net, x, y % 3, batch_size=4, progress=False, augment=lambda b, rng: b * np.nan)
    with pytest.raises(ValueError, match=r"x of shape \(8, 1, 12, 12\) does not fit the model: "
                                         r"it takes \(B, 1, H, W\) .* \(on its first examples: "
                                         r"P4CNN takes inputs"):
        nn.fit(nn.p4cnn(width=2), x, y, progress=False)
    # from a newcomer's review: images without their channel axis were told "one example? a
    # batch of one is x[None]" (the probe held one example); three channels, nothing
    digits = np.zeros((4, 28, 28), np.float32)
    with pytest.raises(ValueError, match=r"no channel axis\? x\[:, None\] adds it"):
        nn.fit(nn.p4cnn(width=2), digits, y[:4], progress=False)
    with pytest.raises(ValueError, match=r"\(3 channels: build the network with in_channels=3"):
        nn.fit(nn.p4cnn(width=2), np.zeros((4, 3, 28, 28)), y[:4], progress=False)
    # (a second newcomer's review: channels-last images were told to rebuild the network with
    # in_channels=28; a nested list was refused by the network, taken by the correlations)
    with pytest.raises(ValueError, match=r"channels last\? .* x\.transpose\(0, 3, 1, 2\) in "
                                         r"NumPy, x\.permute\(0, 3, 1, 2\) in torch"):
        nn.fit(nn.p4cnn(width=2), np.zeros((4, 28, 28, 1)), y[:4], progress=False)
    net = nn.p4cnn(width=2)
    images = np.random.default_rng(1).standard_normal((2, 1, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(net(images.tolist()), net(images), rtol=1e-6, atol=1e-6)


def test_layers_refuse_parameters_they_do_not_compute_in():
    """float16 parameters were accepted and updated in float16 while every layer computed in
    float32."""
    for builder in (lambda d: nn.p4cnn(width=2, dtype=d), lambda d: nn.Linear(2, 2, dtype=d),
                    lambda d: nn.BatchNorm(2, dtype=d)):
        with pytest.raises(ValueError, match="dtype must be float32 or float64, got float16 "
                                             r"\(a float16 input is computed in float32"):
            builder(np.float16)


def test_softmax_cross_entropy_takes_labels_as_a_list_as_fit_does():
    logits = np.log(np.array([[1.0, 1.0, 2.0], [1.0, 3.0, 0.5]]))
    loss, grad = nn.softmax_cross_entropy(logits, [2, 1])
    assert abs(loss - (np.log(2) + np.log(1.5)) / 2) < 1e-12      # -mean(log(1/2), log(2/3))
    assert np.array_equal(grad, nn.softmax_cross_entropy(logits, np.array([2, 1]))[1])
    with pytest.raises(ValueError, match=r"labels must hold one label per example of logits, "
                                         r"\(2,\), got shape \(1,\)"):
        nn.softmax_cross_entropy(logits, [0])


def test_a_feature_map_of_another_group_is_named_as_one():
    """A p4m feature map (8 samples) into a p4 layer was told only the shape it expects."""
    with pytest.raises(ValueError, match=r"got shape \(1, 2, 8, 9, 9\) \(a point axis of 8 "
                                         r"samples, not 4: a feature map of another group, "
                                         r"such as .*P4M"):
        nn.GroupConv("p4", 2, 3, 3)(np.zeros((1, 2, 8, 9, 9), np.float32))


def test_load_into_a_network_of_another_architecture_is_refused(tmp_path):
    """(Found by a review: p4's weights loaded into a p4m network of the same shapes.) With an
    architecture recorded, into must have the same one; its workspace and momentum aside."""
    nn.save(nn.Sequential([nn.LiftingConv("p4", 1, 2, 3, rng=0), nn.BatchNorm(2)]),
            tmp_path / "p4.npz")
    with pytest.raises(ValueError, match=r"holds another architecture than the network given "
                                         r"as into \(model.layers\[0\].group: 'P4' saved, "
                                         r"'P4M' given\)"):
        nn.load(tmp_path / "p4.npz", into=nn.Sequential([nn.LiftingConv("p4m", 1, 2, 3),
                                                         nn.BatchNorm(2)]))
    with pytest.raises(ValueError, match=r"model.layers\[0\].mode: 'valid' saved, 'same'"):
        nn.load(tmp_path / "p4.npz", into=nn.Sequential([
            nn.LiftingConv("p4", 1, 2, 3, mode="same"), nn.BatchNorm(2)]))
    # (a review: into a paper's network, "model.input_sizes: given only" was all it said)
    with pytest.raises(ValueError, match=r"\(model.layers\[0\].bias: True saved, False given; "
                                         r"model.layers: 2 saved, 22 given\)"):
        nn.load(tmp_path / "p4.npz", into=nn.p4cnn())
    into = nn.Sequential([nn.LiftingConv("p4", 1, 2, 3, max_workspace=2**20, rng=5),
                          nn.BatchNorm(2, momentum=0.5)])
    same = nn.load(tmp_path / "p4.npz", into=into)
    assert np.array_equal(same.params["0.weight"],
                          nn.LiftingConv("p4", 1, 2, 3, rng=0).params["weight"])


@pytest.mark.parametrize("architecture", [True, False])
def test_training_resumed_through_load_into_draws_the_dropout_masks_it_would_have(
        tmp_path, architecture):
    """(Found by a review: load(into=) refused a network of the same layers whose Dropout
    generator had moved on, and architecture=False did not save the generators, so a resumed
    run drew other masks; gcnn's Dropouts share one generator, which load must share again.)
    One epoch, save, load into a fresh network, one more epoch: as two epochs in one call."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 16)
    settings = dict(batch_size=8, seed=3, progress=False)
    whole = nn.gcnn("p4", 2, dropout=0.3, rng=1)
    losses = [r["loss"] for r in nn.fit(whole, x, y, epochs=2,
                                        optimizer=nn.SGD(whole.params, lr=0.05), **settings)]
    first = nn.gcnn("p4", 2, dropout=0.3, rng=1)
    optimizer = nn.SGD(first.params, lr=0.05)
    nn.fit(first, x, y, epochs=1, optimizer=optimizer, **settings)
    nn.save(first, tmp_path / "half.npz", optimizer=optimizer, architecture=architecture)
    again = nn.load(tmp_path / "half.npz", into=nn.gcnn("p4", 2, dropout=0.3, rng=2))
    second = nn.fit(again, x, y, epochs=1,
                    optimizer=nn.load_optimizer(tmp_path / "half.npz", again), **settings)
    assert second[0]["loss"] == pytest.approx(losses[1], rel=1e-6)   # (rounding only)
    for key in whole.params:
        np.testing.assert_allclose(again.params[key], whole.params[key], rtol=1e-5, atol=1e-6)
    dropouts = [layer for layer in again.layers if isinstance(layer, nn.Dropout)]
    assert len(dropouts) > 1 and len({id(layer.rng) for layer in dropouts}) == 1
    nn.save(nn.Sequential([nn.LiftingConv("p4", 1, 2, 3), nn.Dropout(0.5)]),
            tmp_path / "drop.npz", architecture=architecture)
    with pytest.raises(ValueError, match=r"holds Dropout layers at \['1'\], the network at "
                       r"\[\]" if not architecture else r"a Dropout saved, a ReLU given"):
        nn.load(tmp_path / "drop.npz", into=nn.Sequential([nn.LiftingConv("p4", 1, 2, 3),
                                                           nn.ReLU()]))


def test_validation_labels_of_another_length_name_validation_data():
    x, y = _data(n=8, size=28)
    with pytest.raises(ValueError, match=r"validation_data\[1\] must hold one label per "
                                         r"example of validation_data\[0\], \(4,\)"):
        nn.fit(nn.p4cnn(width=2), x, y, validation_data=(x[:4], y[:3]), progress=False)


def test_an_epochs_minibatches_take_every_example_once():
    """A mutation review's survivor: batches drawn with repeats (rng.integers for
    rng.permutation) passed every test. Each epoch's batches together are a permutation of
    range(n), in batches of batch_size (the last one smaller), and two epochs differ."""
    rng = np.random.default_rng(0)
    for n, batch_size in ((10, 3), (64, 64), (7, 10), (100, 7)):
        epochs = [list(nn.minibatches(n, batch_size, rng)) for _ in range(2)]
        for batches in epochs:
            assert sorted(np.concatenate(batches).tolist()) == list(range(n))
            assert [len(b) for b in batches[:-1]] == [batch_size] * (len(batches) - 1)
        if n > 5:
            assert not np.array_equal(np.concatenate(epochs[0]), np.concatenate(epochs[1]))


def test_adam_keeps_its_moments_in_the_parameters_dtype_and_save_replaces_a_file_whole(
        tmp_path, monkeypatch):
    """(A researcher's review: float64 gradients left float64 moments on float32 parameters,
    which save wrote so; save wrote straight onto an existing checkpoint, so a crash midway
    lost it.)"""
    params = {"w": np.ones(5, np.float32)}
    adam = nn.Adam(params)
    adam.step({"w": np.ones(5)})
    assert adam.m["w"].dtype == adam.v["w"].dtype == np.float32 == adam.params["w"].dtype
    net = nn.Sequential([nn.Linear(3, 2, rng=0)])
    path = tmp_path / "net.npz"
    nn.save(net, path)
    before = path.read_bytes()

    def crash(file, *args, **kwargs):            # half a file written, then the disk fills
        if hasattr(file, "write"):
            file.write(b"PK\x03\x04 half")
        else:
            with open(file, "wb") as handle:
                handle.write(b"PK\x03\x04 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(ValueError, match="save: cannot write .*No space left on device"):
        nn.save(nn.Sequential([nn.Linear(3, 2, rng=1)]), path)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == \
        ["net.npz"]
    monkeypatch.setattr(np, "savez", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        nn.save(nn.Sequential([nn.Linear(3, 2, rng=1)]), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.npz"]      # nothing left over
    monkeypatch.undo()
    path.chmod(0o600)                             # a private checkpoint, reached by a link
    (tmp_path / "latest.npz").symlink_to(path)
    nn.save(nn.Sequential([nn.Linear(3, 2, rng=2)]), tmp_path / "latest.npz")
    assert (tmp_path / "latest.npz").is_symlink() and path.stat().st_mode & 0o777 == 0o600
    assert path.read_bytes() != before
    (tmp_path / "latest.npz").unlink()
    nn.save(nn.Sequential([nn.Linear(3, 2, rng=1)]), tmp_path / "net")     # ".npz" appended
    loaded = nn.load(path)
    assert not all(np.array_equal(loaded.params[k], net.params[k]) for k in net.params)


class _CountingOptimizer:
    """An optimiser that leaves the parameters as they are and counts its steps."""

    def __init__(self):
        self.steps = 0

    def step(self, grads):
        self.steps += 1


def test_an_epochs_loss_and_accuracy_are_means_over_examples_with_a_short_last_batch():
    """From a mutation round: the short last batch counted as a full one (loss times
    batch_size) and nothing noticed. With parameters that do not move and no batch norm or
    dropout, the epoch's loss and accuracy are evaluate's on the same examples."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((10, 1, 4, 4))
    y = rng.integers(0, 3, 10)
    net = nn.Sequential([nn.Flatten(), nn.Linear(16, 3, rng=1, dtype=np.float64)])
    record = nn.fit(net, x, y, epochs=1, batch_size=4, optimizer=_CountingOptimizer(),
                    progress=False)[0]
    scores = nn.evaluate(net, x, y)
    assert record["loss"] == pytest.approx(scores["loss"], rel=1e-12)
    assert record["accuracy"] == pytest.approx(scores["accuracy"], rel=1e-12)


@pytest.mark.parametrize("max_steps", [2, 3, 5])
def test_max_steps_is_the_number_of_optimiser_steps(max_steps):
    """From a mutation round: a break at steps > max_steps took one step too many unseen
    (three batches an epoch: max_steps within the first epoch, at its end and past it)."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((12, 1, 4, 4)), rng.integers(0, 3, 12)
    net = nn.Sequential([nn.Flatten(), nn.Linear(16, 3, rng=1, dtype=np.float64)])
    optimizer = _CountingOptimizer()
    history = nn.fit(net, x, y, epochs=4, batch_size=4, optimizer=optimizer, progress=False,
                     max_steps=max_steps)
    assert optimizer.steps == max_steps and len(history) == -(-max_steps // 3)
