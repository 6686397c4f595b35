"""The ODD protocol and the parameter table, shipped inside the package as ``abm.docs``."""
