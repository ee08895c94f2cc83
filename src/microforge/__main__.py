"""python -m microforge: the same as the microforge command."""
import sys

from .cli import main

sys.exit(main())
