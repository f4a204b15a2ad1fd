"""Output formats: text (default), json, sarif and github."""
