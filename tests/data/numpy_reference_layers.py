"""Every shipped case through NumPy layers: groupconv's own reference layers, forwards and
backwards (the correlations with stride, dilation and bias; the pools and batch normalisation
of groupconv.nn)."""
import numpy as np
from groupconv import conformance, nn
from groupconv.groups import Space, get_group


def factory(case):
    if case.kind in conformance.CORRELATIONS:
        options = dict(padding=case.padding, stride=case.stride, dilation=case.dilation)
        bias = case["b"] if case.bias else None

        def layer(x):
            y = conformance.reference(x, case["w"], case.group, case.kind, bias=bias, **options)

            def vjp(dy):
                g = conformance.vjp(x, case["w"], dy, case.group, case.kind, bias=case.bias,
                                    **options)
                return g["dx"], {"w": g["dw"], **({"b": g["db"]} if case.bias else {})}
            return y, vjp
        return layer
    space = Space.on_group(get_group(case.group))
    if case.kind == "subgroup_pool":
        module = nn.SubgroupPool(case.options["reduction"], space=space)
    elif case.kind == "spatial_pool":
        module = nn.SpatialPool(case.options["size"], case.options["stride"],
                                case.options["reduction"], space=space)
    else:
        module = nn.BatchNorm(case.c_in, eps=case.options["eps"], dtype=np.float64)
        module.params.update(gamma=case["gamma"], beta=case["beta"])
        if not case.options["training"]:          # evaluation mode: the running statistics
            module.set_buffer("running_mean", case["running_mean"])
            module.set_buffer("running_var", case["running_var"])

    def layer(x):
        y, cache = module.forward(x, training=case.options.get("training", True))

        def vjp(dy):
            dx, grads = module.backward(cache, dy)
            return dx, grads
        return y, vjp
    return layer
