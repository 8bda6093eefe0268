"""Type translation from schema types to the generated languages (like torchgen's api/)."""
