"""Interpreters of the ``Connection`` port, one module per driver.

Each module is the only place its driver's exceptions exist. Import the one you need
(``spine.storage.drivers.sqlite``, ``.postgres``, ``.mysql``, ``.oracle``, ``.db2``) or let
:func:`spine.storage.connect.connect` pick it from a URL: the network drivers are optional
dependencies, so this package imports none of them.
"""

__all__: list[str] = []
