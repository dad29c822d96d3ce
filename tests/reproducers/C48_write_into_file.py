"""write() to a path that is a file raises the documented ValueError."""
import pathlib, tempfile
from groupconv import conformance
f = pathlib.Path(tempfile.mkdtemp()) / "afile"
f.write_text("x")
try:
    conformance.write(f, ["p4"], ks=[1], kinds=["lifting"])
except ValueError as e:
    print("PASS" if "is a file" in str(e) else f"FAIL: other error {e}")
except Exception as e:
    print(f"FAIL: {type(e).__name__}: {e}")
else:
    print("FAIL: no error")
