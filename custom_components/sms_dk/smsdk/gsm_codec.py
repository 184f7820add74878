"""The typed boundary to gsm0338, which ships no type information.

Nothing of gsm0338 is used but the codec it registers with Python's codecs module: importing it by
name here (importlib returns a typed ModuleType) keeps its untyped names out of the integration,
and looking the codec up proves at import time that it is there.
"""

from __future__ import annotations

import codecs
import importlib
from typing import Final

GSM_CODEC: Final = "gsm03.38"

importlib.import_module("gsm0338")
codecs.lookup(GSM_CODEC)
