"""Web pages of the courses app: thin, like the API: validate, call a service, render."""
