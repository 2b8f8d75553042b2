"""Web pages of the dashboard app: thin, like the API: validate, call a service, render."""
