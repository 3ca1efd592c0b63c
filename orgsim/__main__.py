import sys

from orgsim.cli import main

sys.exit(main())
