"""The knowledge loop: feedback and knowledge gaps, from the reader to the owner and back to a fixed page."""
