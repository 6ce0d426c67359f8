"""The staff console at /staff/: call and text simulators, the tree map, problems and usage."""
