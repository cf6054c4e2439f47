"""Under the data parts: engine, short sessions, the declarative base, DATABASE_URL and the one
Alembic history of every table (directory and casework). It knows no Rasa, web or channel."""
