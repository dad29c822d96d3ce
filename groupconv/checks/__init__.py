"""Checks: the claims of the theory (``claims``), ``groupconv verify`` (``verify``), the
known-wrong variants it must catch (``selftest``), the measured equivariance of the
approximately equivariant layers (``equivariance``), and checkers for users' own code: layers
(``user_layers``: ``check_layer``, ``check_equivariance``) and group laws (``user_groups``:
``check_group_law``)."""
