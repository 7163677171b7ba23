"""Selection of the next batch."""

from curation.core.sampling.select import *  # noqa: F403
from curation.core.sampling.select import __all__  # noqa: F401
