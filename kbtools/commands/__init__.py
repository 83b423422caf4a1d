"""One module per `kb` subcommand; shared options live in `common`."""
