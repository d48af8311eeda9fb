"""`python -m workflow.cli`: the `govsite` command."""
import sys

from workflow.cli import main

sys.exit(main())
