"""Web pages of the notifications app: thin, like the API: validate, call a service, render."""
