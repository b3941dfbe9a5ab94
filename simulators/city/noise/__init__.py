"""Noise that survives into the record versions a department shows last (`--noise clean|realistic|hard`)."""

from simulators.city.noise.profiles import PROFILES, NoiseProfile, noise_profile

__all__ = ["PROFILES", "NoiseProfile", "noise_profile"]
