"""The effect pipeline's delivering side: the registry of kinds, the worker, the deliverers.

Every module of this package other than registry, worker and errors registers deliverers
(`@deliverer(kind)`); they are imported when the registry is first asked, so a new kind is
a new module here. Enqueuing is storage's job (storage/effects.py).
"""
