"""The TrackedWorkflowRunner on live SQLite, PostgreSQL and MariaDB."""
