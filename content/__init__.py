"""What the bot tells people, as data staff can edit: orientation answers by topic and language
with their sources (data/content.yaml) and the sourced emergency numbers
(data/emergency_numbers.yaml). It knows no Rasa, web or channel."""
