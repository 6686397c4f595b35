"""nhs-reform-abm: an agent-based model of innovation spread in England's NHS."""

__version__ = "0.1.0"
