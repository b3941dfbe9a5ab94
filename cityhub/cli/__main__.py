"""`python -m cityhub.cli`: the same as the `cityhub` command."""

from cityhub.cli import main

main()
