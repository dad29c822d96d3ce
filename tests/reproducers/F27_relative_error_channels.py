"""relative_error refuses maps with different channel counts (it would broadcast)."""
import numpy as np
from groupconv import Z2
from groupconv.feature_maps import FeatureMap, relative_error
try:
    e = relative_error(FeatureMap(Z2, np.ones((1, 2, 2))), FeatureMap(Z2, np.ones((2, 2, 2))))
except ValueError as err:
    print("PASS" if "cannot compare a 1-channel map" in str(err) else f"FAIL: other error {err}")
else:
    print(f"FAIL: compared a 1-channel with a 2-channel map: {e}")
