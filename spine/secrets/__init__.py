"""Layer 5: secrets — ``secret://`` references resolved into redacted ``Secret`` values.

References (``secret://env/NAME``, ``secret://file/NAME``, ``secret://vault/PATH#KEY``) are
safe to store anywhere; :class:`SecretsResolver` turns them into :class:`Secret` values
through one backend per scheme (:class:`EnvSecrets`, :class:`FileSecrets`,
:class:`VaultSecrets`). A ``Secret`` shows as ``***`` in every repr, str, format and log
line, and refuses to be serialised; ``reveal()`` is the only way to its value. hvac (the
``vault`` extra) is imported only when a Vault client is built.
"""

from spine.secrets.backend import SecretsBackend
from spine.secrets.backends import EnvSecrets, FileSecrets, KvV2Reader, VaultSecrets
from spine.secrets.config import ConfigRef, refs_in, substitute
from spine.secrets.reference import PREFIX, SecretRef, SecretScheme, is_ref, parse_ref, validate_ref
from spine.secrets.resolver import SecretsResolver
from spine.secrets.secret import REDACTED, Secret

__all__ = [
    "PREFIX",
    "REDACTED",
    "ConfigRef",
    "EnvSecrets",
    "FileSecrets",
    "KvV2Reader",
    "Secret",
    "SecretRef",
    "SecretScheme",
    "SecretsBackend",
    "SecretsResolver",
    "VaultSecrets",
    "is_ref",
    "parse_ref",
    "refs_in",
    "substitute",
    "validate_ref",
]
