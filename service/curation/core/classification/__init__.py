"""Classification diagnostics."""

from curation.core.classification.report import *  # noqa: F403
from curation.core.classification.report import __all__  # noqa: F401
