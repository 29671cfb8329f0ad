"""FET files: read them into datasets, write plans back (FET is the free timetabler schools know)."""
