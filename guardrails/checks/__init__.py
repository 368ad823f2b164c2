"""One module per rule; each check is a pure function of the draft text and the context."""
