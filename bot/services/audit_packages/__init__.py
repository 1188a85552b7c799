"""Audit packages: a signed JSON export of incidents' audit chains for auditors
(`export.py` builds one, `public_safe.py` scrubs people and personal data from it,
`signing.py` signs and checks it, `verify.py` proves nothing was altered, removed or
reordered). See docs/audit-packages.md."""
