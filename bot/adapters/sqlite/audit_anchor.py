"""Where a SQLite audit chain's head is anchored: the incident's row (columns apart from its
`version`, so anchoring never disturbs the incident's optimistic concurrency), or, for a
chain with no incident row (the workspace chain), a row of its own in `audit_heads`.

Both run on the audit append's connection, inside its transaction.
"""

from __future__ import annotations

import sqlite3

from bot.domain.audit import AuditChainBroken, AuditEvent
from bot.domain.audit_anchor import AuditHead


def write_head(
    conn: sqlite3.Connection, chain_id: str, head: AuditHead, previous: AuditEvent | None
) -> None:
    """Move the anchor from `previous` (the chain's last event before this append) to `head`.
    An anchor naming another event means the chain was cut behind marshal's back: appending
    on would re-grow it over the gap and hide that, so refuse (AuditChainBroken)."""
    values = (head.seq, head.hash, head.key_id, head.mac)
    if previous is not None and _moved_on_incident(conn, chain_id, values, previous):
        return
    current = read_head(conn, chain_id)
    if current is not None and (
        previous is None or (current.seq, current.hash) != (previous.seq, previous.hash)
    ):
        raise AuditChainBroken(chain_id)
    updated = conn.execute(
        "UPDATE incidents SET audit_seq = ?, audit_hash = ?, audit_key_id = ?, audit_mac = ? "
        "WHERE id = ?",
        (*values, chain_id),
    ).rowcount
    if updated == 0:
        conn.execute(
            "INSERT INTO audit_heads (chain_id, seq, hash, key_id, mac) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (chain_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, "
            "key_id = excluded.key_id, mac = excluded.mac",
            (chain_id, *values),
        )


def _moved_on_incident(
    conn: sqlite3.Connection, chain_id: str, values: tuple[object, ...], previous: AuditEvent
) -> bool:
    """The usual case in one statement: an incident's anchor still at `previous`, moved on.
    False (nothing written) for anything else, which `write_head` then reads and decides."""
    return (
        conn.execute(
            "UPDATE incidents SET audit_seq = ?, audit_hash = ?, audit_key_id = ?, audit_mac = ? "
            "WHERE id = ? AND audit_seq = ? AND audit_hash = ?",
            (*values, chain_id, previous.seq, previous.hash),
        ).rowcount
        == 1
    )


def write_first_head(conn: sqlite3.Connection, incident_id: str, head: AuditHead) -> None:
    """Anchor the first event of an incident's chain on its row, which must have none yet."""
    updated = conn.execute(
        "UPDATE incidents SET audit_seq = ?, audit_hash = ?, audit_key_id = ?, audit_mac = ? "
        "WHERE id = ? AND audit_seq IS NULL",
        (head.seq, head.hash, head.key_id, head.mac, incident_id),
    ).rowcount
    if updated != 1:
        raise AuditChainBroken(incident_id)


def read_head(conn: sqlite3.Connection, chain_id: str) -> AuditHead | None:
    row = conn.execute(
        "SELECT audit_seq, audit_hash, audit_key_id, audit_mac FROM incidents "
        "WHERE id = ? AND audit_seq IS NOT NULL",
        (chain_id,),
    ).fetchone()
    if row is None:
        row = conn.execute(
            "SELECT seq, hash, key_id, mac FROM audit_heads WHERE chain_id = ?", (chain_id,)
        ).fetchone()
    if row is None:
        return None
    return AuditHead(seq=row[0], hash=row[1], key_id=row[2], mac=row[3])


def headed_chain_ids(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT chain_id FROM audit_heads ORDER BY chain_id").fetchall()
    return [r[0] for r in rows]
