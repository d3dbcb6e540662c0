"""Log in and out, user accounts and their roles."""
