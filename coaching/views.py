"""Web pages of the coaching app: thin, like the API: validate, call a service, render."""
