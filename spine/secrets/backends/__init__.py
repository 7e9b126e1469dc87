"""The secrets interpreters: environment, files in one directory, and Vault KV v2 (hvac)."""

from spine.secrets.backends.env import EnvSecrets
from spine.secrets.backends.file import FileSecrets
from spine.secrets.backends.vault import KvV2Reader, VaultSecrets

__all__ = ["EnvSecrets", "FileSecrets", "KvV2Reader", "VaultSecrets"]
