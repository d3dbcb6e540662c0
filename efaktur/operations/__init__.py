"""Operations: backups that restore, the ledger check, and the operator's view of the app's health."""
