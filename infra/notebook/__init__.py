"""The hardened notebook instance, its role and its lifecycle configuration."""
