"""Personal data kept out of everything at rest: the scrubber, keyed hashes of channel ids, the
keys and their checks, and the log filter. It knows no Rasa, web or channel, and holds no data."""
