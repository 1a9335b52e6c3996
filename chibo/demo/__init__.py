"""Demo and benchmark data: the real province of Lai Châu, and synthetic provinces at scale."""
