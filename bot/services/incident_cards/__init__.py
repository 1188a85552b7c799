"""The live incident card (announce channel and room) and the room's topic, kept current."""
