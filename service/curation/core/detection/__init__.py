"""Detection diagnostics."""

from curation.core.detection.diagnose import *  # noqa: F403
from curation.core.detection.diagnose import __all__  # noqa: F401
