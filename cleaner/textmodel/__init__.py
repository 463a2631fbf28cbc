"""The text model: finds the article region of a text dump, then judges its lines."""
