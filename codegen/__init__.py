"""tensorgen code generator: schema model (model.py) and emitter (gen.py)."""
