"""What the bot tells people, as data staff can edit: orientation answers by topic and language
with their sources (data/content.yaml), the contacts it points people to (data/contacts.yaml)
and the sourced emergency numbers (data/emergency_numbers.yaml). It knows no Rasa, web or
channel."""
