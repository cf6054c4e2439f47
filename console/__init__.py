"""The web console where caseworkers answer handoffs and staff keep the referral directory.

Flask with Flask-Admin over the application's SQLAlchemy models, Flask-Login sessions,
Flask-WTF CSRF on every form, Flask-Limiter on failed logins and Flask-Babel catalogues
(Spanish first, English). It reads and writes through casework/ and referral_directory/, and
reaches the person only through the gateway's HTTP endpoints (console.gateway): it imports no
Rasa, NLU or gateway code. Importing this package imports no Flask (store/migrations imports
console.models).
"""
