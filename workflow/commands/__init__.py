"""One module per `govsite` command."""
