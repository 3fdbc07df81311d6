"""Nightly export of churn candidates (the SQL strings were written by an AI assistant)."""

import psycopg

LOOKBACK_DAYS = 90


def churn_candidates(conn: psycopg.Connection) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT c.customer_id, c.full_name, max(o.ordered_at) AS last_order
            FROM customer c
            JOIN orders o ON o.customer_id = c.customer_id
            GROUP BY c.customer_id, c.full_name
            HAVING max(o.ordered_at) < now() - make_interval(days => %s)
            """,
            (LOOKBACK_DAYS,),
        )
        return cur.fetchall()


def export_emails(conn: psycopg.Connection, ids: list[int]) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute("SELECT c.email_address, c.full_name FROM customer c WHERE c.customer_id = ANY(%s)", (ids,))
        return cur.fetchall()
