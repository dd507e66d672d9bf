"""Where the tests find the repository and the shared reference material (vendor specs)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# shared/ sits beside the checkout (locally and in CI); C2C_SHARED_DIR overrides.
SHARED = Path(os.environ.get("C2C_SHARED_DIR", REPO.parent / "shared"))
VENDOR_SPECS = SHARED / "vendor-specs"
