# Celery 5 ships no type information (see stubs/celery/__init__.pyi).
