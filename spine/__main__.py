"""``python -m spine``: the ``spine`` command."""

from spine.cli import main

raise SystemExit(main())
