"""`python -m referral_directory`: see referral_directory/cli.py."""

from referral_directory.cli import main

raise SystemExit(main())
