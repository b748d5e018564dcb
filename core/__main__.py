"""`python -m core LESSON [options]`: a lesson's run in the terminal, printed as the document prints it."""

import sys

from core.cli import main

sys.exit(main())
