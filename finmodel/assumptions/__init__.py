"""Reading and validating assumption files: the only package that knows input file formats."""
