"""Migration 0034 on SQLite and PostgreSQL: a scheme 4 proof stored at 0033 keeps its scheme and
still verifies at head, read through the app's model, with the new columns empty; a downgrade
keeps the row and drops the columns."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests.support.migrations import assert_schema_matches_models, insert, migrated_app, run_migrations
from webapp.extensions import db
from webapp.models import Order, ProofOfDelivery
from webapp.orders.proof import proof_digest, proof_intact

NEW_COLUMNS = {"signer_name_salt", "signer_name_sha256", "signature_sha256", "erased_at"}

# A scheme 4 proof as signing stored it before 0034 (the digest is worked out from these).
PROOF = {"id": 1, "order_id": 1, "signature_png": b"\x89PNG not really, but hashed", "signer_name": "王小明",
         "signer_id": 2, "signed_at": datetime(2026, 12, 1, 8, 30, 5), "lat": 39.9042,
         "lng": 116.4074, "accuracy": 12.5, "position_at": datetime(2026, 12, 1, 8, 29, 50),
         "accepted_lines": [{"id": 1, "title": "赣南脐橙 5斤", "quantity": 1,
                             "unit_price_fen": 3350, "amount_fen": 3350}],
         "rejected_lines": [], "refund_fen": 0,
         "payment": {"method": "cod", "due_fen": 3350, "paid_fen": None, "channel": None,
                     "transaction_id": "", "refund_fen": 0},
         "signed_on": "buyer", "code_matched": None, "scheme": 4}


def proof_columns(app) -> set[str]:
    with app.app_context():
        return {column["name"] for column in inspect(db.engine).get_columns("proof_of_delivery")}


def proof_through_0034(app) -> None:
    run_migrations(app, lambda: upgrade(revision="0033"))
    digest = proof_digest(ProofOfDelivery(**PROOF))
    with app.app_context(), db.engine.begin() as c:
        insert(c, "user", id=1, email="m@example.com", role="merchant")
        insert(c, "user", id=2, email="b@example.com", role="buyer", display_name="王小明")
        insert(c, "shop", id=1, owner_id=1, handle="s1", district_code="110105")
        insert(c, "order", id=1, buyer_id=2, shop_id=1, status="completed", total_fen=3350,
               idempotency_key="k", payment_method="cod", quote_id=None)
        insert(c, "proof_of_delivery", **{**PROOF, "digest": digest, **{
            key: json.dumps(PROOF[key], ensure_ascii=False)
            for key in ("accepted_lines", "rejected_lines", "payment")}})
    assert not NEW_COLUMNS & proof_columns(app)
    run_migrations(app, upgrade)
    assert_schema_matches_models(app)
    with app.app_context():
        proof = db.session.get(ProofOfDelivery, 1)
        assert (proof.scheme, proof.signer_name, proof.digest) == (4, "王小明", digest)
        assert {name: getattr(proof, name) for name in NEW_COLUMNS} == dict.fromkeys(NEW_COLUMNS)
        assert proof_digest(proof) == digest and proof_intact(db.session.get(Order, 1))
        db.session.remove()
    run_migrations(app, lambda: downgrade(revision="0033"))
    assert not NEW_COLUMNS & proof_columns(app)
    with app.app_context():
        row = db.session.execute(sa.text(
            "SELECT order_id, signer_name, scheme, digest FROM proof_of_delivery")).all()
        assert [tuple(r) for r in row] == [(1, "王小明", 4, digest)]
        db.session.remove()
        db.engine.dispose()


def test_0034_keeps_scheme_4_proofs_verifying_on_sqlite(tmp_path):
    proof_through_0034(migrated_app(f"sqlite:///{tmp_path / 'proofs.db'}"))


@pytest.mark.postgres
def test_0034_keeps_scheme_4_proofs_verifying_on_postgres(fresh_postgres):
    proof_through_0034(migrated_app(fresh_postgres))
