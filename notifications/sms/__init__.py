"""Text messages (SMS): how long a text is, what it says, who carries it.

- ``segments``: a text's encoding (GSM-7 or UCS-2) and how many SMS it takes;
- ``words``: the short text of each notification kind, in the recipient's
  language, within the kind's segment limit, with a link to where they act;
- ``gateways``: the carrier, chosen by ``KURSLOTSE_SMS_GATEWAY`` — ``file``
  (the embedded default: one file per message in ``var/sms/``, as emails go
  to ``var/mail/``) or ``http`` (a provider's HTTP API).

The outbox's ``SmsChannel`` (``notifications/channels.py``) puts them
together; retries and ``failed`` are the outbox's, as for email.
"""
