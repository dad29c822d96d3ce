"""Checks: the claims of the theory (``claims``), ``groupconv verify`` (``verify``), and the
measured equivariance of the approximately equivariant layers (``equivariance``)."""
