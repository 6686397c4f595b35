"""Workshop mode: a live model in the browser and a scenario pack that opens offline.

``nhs-abm-workshop`` starts the live app (``abm.workshop.app``); ``nhs-abm-pack`` builds
the participants' scenario pack (``abm.workshop.pack``).
"""
