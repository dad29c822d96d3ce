"""relative_error's limit counts every value (channels x samples x pixels), with the module's
MAX_BOX_PIXELS made small so the check runs in a moment (and put back after)."""
import numpy as np
import groupconv.feature_maps as fm
from groupconv import Z2
kept = fm.MAX_BOX_PIXELS
fm.MAX_BOX_PIXELS = 1000
try:
    f = fm.FeatureMap(Z2, np.ones((4, 1, 1)))
    g = fm.FeatureMap(Z2, np.ones((4, 1, 1)), origin=(0, -299))    # union box: 1 x 300 pixels
    try:
        e = fm.relative_error(f, g)                                  # 4 x 300 = 1200 values
    except ValueError as err:
        print("PASS" if "holds 1200 values" in str(err) else f"FAIL: other error {err}")
    else:
        print(f"FAIL: 1200 values > limit 1000 compared: {e}")
finally:
    fm.MAX_BOX_PIXELS = kept
