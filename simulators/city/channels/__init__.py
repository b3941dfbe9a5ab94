"""One renderer per department: each writes its records of the city the way that department does."""
