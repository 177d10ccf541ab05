"""order events as a kind and parameters; a rejected line's reason and note apart

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 16:00:00

Reviewed, hand-written. An order event stored its meaning as a Chinese sentence in `note`
("已收款：货到付款（现金） ¥17.50（已扣除拒收 ¥16.00）"), which pages parsed back by pattern to
translate. From here an event is a `kind` and JSON `params` (amounts in fen, codes, a picked
reason as its message id), worded by webapp/orders/events.py in the reader's language.

Existing rows are converted here, once, by the sentences the app used to write (this file keeps
its own copy of them: the app no longer has them). A note this cannot read is kept whole in
params["text"] with the kind its move implies, so nothing is lost. A rejected line's
"reason：note" is split the same way into reject_reason and the new reject_note. Proofs are
not touched: their facts are signed as they are. Downgrade words the events back in Chinese.
"""
import json
import re

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

PAYMENT_CODES = {"货到付款（现金）": "cod", "货到刷卡": "card", "微信扫码付": "wechat",
                 "支付宝扫码付": "alipay"}
FAIL_CODES = {"收件人不在": "absent", "地址错误": "wrong_address", "买家拒收": "refused",
              "货物损坏": "damaged"}
REJECT_REASONS = ("商品破损", "数量或规格不符", "质量问题", "与描述不符", "其他")
YUAN = r"¥(-?\d+)\.(\d\d)"


def _fen(match, group: int) -> int:
    yuan, fen = int(match.group(group)), int(match.group(group + 1))
    return -(abs(yuan) * 100 + fen) if yuan < 0 else yuan * 100 + fen


def _paid(note: str):
    m = re.fullmatch(r"已收款：(.+) " + YUAN + r"（已扣除拒收 " + YUAN + r"）", note)
    if m:
        return {"method": PAYMENT_CODES.get(m.group(1), m.group(1)), "amount_fen": _fen(m, 2),
                "refused_fen": _fen(m, 4)}
    m = re.fullmatch(r"已收款：(.+) " + YUAN, note)
    if m:
        return {"method": PAYMENT_CODES.get(m.group(1), m.group(1)), "amount_fen": _fen(m, 2),
                "refused_fen": 0}
    # Before the amount was recorded (paid_fen), the note named only the method.
    m = re.fullmatch(r"已收款：(.+)", note)
    if m:
        return {"method": PAYMENT_CODES.get(m.group(1), m.group(1))}
    return None


def _signed(note: str):
    m = re.fullmatch(r"(.+)；拒收 (\d+) 项，不收 " + YUAN, note)
    if m:
        return "signed_with_refusals", {"name": m.group(1), "n": int(m.group(2)),
                                        "amount_fen": _fen(m, 3)}
    return "signed", {"name": note}


def _failed(note: str):
    reason, _, text = note.partition("：")
    # A reason from the list as its code; before the list, the courier's own words as typed.
    return {"reason": FAIL_CODES.get(reason, reason), "note": text}


def _typed(action, from_status, note, total_fen):
    """(kind, params) of an event as it was stored, from its action, move and note."""
    note = note or ""
    if action is None:
        if from_status is None:
            m = re.fullmatch(r"来自报价 #(\d+)", note)
            return ("placed_from_quote", {"quote": int(m.group(1))}) if m else ("placed", {})
        return "paid", _paid(note) or {"text": note}
    if action == "refuse":
        if from_status == "arrived":
            kind, params = _signed(note)
            return "refused_at_door", (params if kind == "signed_with_refusals"
                                       else {"name": note, "amount_fen": total_fen})
        return "refused_by_shop", {"reason": note}
    if action == "cancel":
        by = "cancelled_by_shop" if from_status == "accepted" else "cancelled_by_buyer"
        return by, {"reason": note}
    simple = {"accept": "accepted", "expire": "expired", "start": "started", "arrive": "arrived"}
    if action in simple:
        return simple[action], ({"text": note} if note and action != "expire" else {})
    if action == "assign":
        return "assigned", {"courier": note}
    if action == "fail":
        return "failed", _failed(note)
    if action == "sign":
        return _signed(note)
    return "placed", {"text": note}


def upgrade():
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=False,
                                      server_default=sa.text("'{}'")))
    op.add_column('order_line', sa.Column('reject_note', sa.String(length=100), nullable=False,
                                          server_default=''))
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        'SELECT e.id, e.action, e.from_status, e.note, o.total_fen FROM order_event e '
        'LEFT JOIN "order" o ON o.id = e.order_id')).all()
    for row in rows:
        kind, params = _typed(row.action, row.from_status, row.note, row.total_fen)
        bind.execute(sa.text('UPDATE order_event SET kind = :kind, params = :params '
                             'WHERE id = :id'),
                     {"kind": kind, "params": json.dumps(params, ensure_ascii=False),
                      "id": row.id})
    for row in bind.execute(sa.text(
            "SELECT id, reject_reason FROM order_line WHERE reject_reason <> ''")).all():
        reason, _, note = row.reject_reason.partition("：")
        if reason in REJECT_REASONS:
            bind.execute(sa.text('UPDATE order_line SET reject_reason = :reason, '
                                 'reject_note = :note WHERE id = :id'),
                         {"reason": reason, "note": note[:100], "id": row.id})
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=30), nullable=False)
        batch_op.drop_column('note')


# The sentences the app wrote before this revision, for downgrade.
WORDS = {
    "placed": "", "accepted": "", "expired": "商家超时未接单，已自动取消", "started": "",
    "arrived": "", "placed_from_quote": "来自报价 #{quote}", "assigned": "{courier}",
    "refused_by_shop": "{reason}", "cancelled_by_buyer": "{reason}",
    "cancelled_by_shop": "{reason}", "signed": "{name}", "refused_at_door": "{name}",  # no n: as stored
}
PAYMENT_WORDS = {code: words for words, code in PAYMENT_CODES.items()}
FAIL_WORDS = {code: words for words, code in FAIL_CODES.items()}


def _yuan(fen) -> str:
    fen = int(fen or 0)
    return f"{'-' if fen < 0 else ''}¥{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _note(kind: str, params: dict) -> str:
    if "text" in params:
        return params["text"]
    if kind == "paid":
        method = PAYMENT_WORDS.get(params.get('method'), params.get('method'))
        if "amount_fen" not in params:
            return f"已收款：{method}"
        text = f"已收款：{method} {_yuan(params.get('amount_fen'))}"
        return text + (f"（已扣除拒收 {_yuan(params['refused_fen'])}）"
                       if params.get('refused_fen') else "")
    if kind == "failed":
        reason = FAIL_WORDS.get(params.get("reason"), params.get("reason", ""))
        return f"{reason}：{params['note']}" if params.get("note") else reason
    if kind in ("signed_with_refusals", "refused_at_door") and "n" in params:
        return f"{params.get('name')}；拒收 {params.get('n')} 项，不收 {_yuan(params.get('amount_fen'))}"
    return WORDS.get(kind, "").format(**params)


def downgrade():
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
    bind = op.get_bind()
    for row in bind.execute(sa.text('SELECT id, kind, params FROM order_event')).all():
        params = row.params if isinstance(row.params, dict) else json.loads(row.params or "{}")
        bind.execute(sa.text('UPDATE order_event SET note = :note WHERE id = :id'),
                     {"note": _note(row.kind, params), "id": row.id})
    for row in bind.execute(sa.text(
            "SELECT id, reject_reason, reject_note FROM order_line WHERE reject_note <> ''")).all():
        bind.execute(sa.text('UPDATE order_line SET reject_reason = :reason WHERE id = :id'),
                     {"reason": f"{row.reject_reason}：{row.reject_note}"[:200], "id": row.id})
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.alter_column('note', existing_type=sa.Text(), nullable=False)  # as 0001 made it
        batch_op.drop_column('params')
        batch_op.drop_column('kind')
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_column('reject_note')
