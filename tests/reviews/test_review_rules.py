"""Review rules (issue 19): one review per signed order by its buyer, none without a proof, a
second refused (the unique order id decides a double submit), never deleted; one follow-up, one
reply; reports once per person; fold and unfold as the visibility table says, audited, a folded
review still there; the 验货签收 badge exactly when the order's proof verifies."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from tests.support.factories import one_world_per_module
from tests.support.reviews import review, signed, tamper
from webapp.extensions import db
from webapp.models import AuditLog, Review, ReviewReport, Status
from webapp.reviews import queries, services
from webapp.reviews.state import MOVES, ReviewAction, Visibility, move
from webapp.web import Conflict, ServiceError

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

ROOT = Path(__file__).resolve().parents[2]


def with_strawberries(world, make_product):
    world.second = make_product(world.shop, title="草莓", price_fen=800, stock=10_000)


# One app and database for the module; each case makes its own orders in it.
app, world = one_world_per_module(extra=with_strawberries)


def count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# ---- one review per signed order ------------------------------------------------------------

@pytest.mark.parametrize("status, allowed", [
    (Status.COMPLETED, True), (Status.PARTIALLY_REFUSED, True), (Status.REFUSED, False),
    (Status.ARRIVED, False), (Status.DELIVERING, False), (Status.DISPATCHED, False),
    (Status.ACCEPTED, False), (Status.PLACED, False), (Status.CANCELLED, False),
    (Status.DELIVERY_FAILED, False),
])
def test_only_an_order_signed_with_a_proof_is_reviewed(app, world, status, allowed):
    order = signed(app, world, status)
    if allowed:
        made = review(world, order)
        assert (made.order_id, made.shop_id, made.buyer_id) == (order.id, world.shop.id,
                                                                 world.buyer.id)
        assert order.proof is not None
        return
    with pytest.raises(ServiceError) as refused:
        review(world, order)
    assert refused.value.status == 409 and "签收后才能评价" in refused.value.message
    assert count(Review, Review.order_id == order.id) == 0


def test_a_signed_status_without_its_proof_is_not_reviewed(app, world):
    order = signed(app, world)
    db.session.delete(order.proof)  # the proof gone (no service does this): no review
    db.session.commit()
    with pytest.raises(ServiceError, match="签收后才能评价"):
        review(world, db.session.get(type(order), order.id))


def test_only_the_buyer_reviews_their_order(app, world):
    order = signed(app, world)
    with pytest.raises(NotFound):
        services.post_review(world.other_buyer, order.id, services.Scores(5, 5, 5), "")
    assert count(Review, Review.order_id == order.id) == 0


def test_a_second_review_is_refused_with_a_clear_message(app, world):
    order = signed(app, world)
    first = review(world, order, text="第一次")
    with pytest.raises(Conflict) as second:
        review(world, order, text="第二次")
    assert second.value.message == "这个订单已经评价过了，每个订单只能评价一次；可以追评一次。"
    assert [r.id for r in db.session.scalars(select(Review).where(
        Review.order_id == order.id))] == [first.id]


def test_two_submits_at_once_make_one_review_and_keep_no_stray_photo(app, world, monkeypatch):
    """Both pass the check before either commits (a double tap): the unique order id lets one in,
    and the other's stored photo is removed."""
    order = signed(app, world)
    monkeypatch.setattr(services, "check_reviewable", lambda order: None)
    uploads = Path(app.config["UPLOAD_DIR"]) / services.PHOTO_FOLDER
    before = set(uploads.glob("*")) if uploads.exists() else set()
    review(world, order, photos=1)
    with pytest.raises(Conflict, match="已经评价过了"):
        review(world, order, photos=1)
    assert count(Review, Review.order_id == order.id) == 1
    assert len(set(uploads.glob("*")) - before) == 1


def test_the_database_holds_one_review_per_order(app, world):
    order = signed(app, world)
    made = review(world, order)
    db.session.add(Review(order_id=order.id, shop_id=made.shop_id, buyer_id=made.buyer_id,
                          goods_score=1, delivery_score=1, service_score=1))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# ---- never deleted ----------------------------------------------------------------------------

def test_no_route_and_no_code_deletes_a_review(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("reviews.")]
    assert rules and not [r.rule for r in rules if "DELETE" in r.methods or "delete" in r.rule]
    deletes = []
    for path in (ROOT / "webapp").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
                    node.func, "id", "")) == "delete":
                named = ast.unparse(node)
                if "Review" in named or "review" in named:
                    deletes.append(f"{path.relative_to(ROOT)}: {named}")
    assert deletes == []


# ---- follow-up and reply, once each ------------------------------------------------------------

def test_one_follow_up_by_the_buyer(app, world):
    made = review(world, signed(app, world))
    with pytest.raises(NotFound):
        services.follow_up(world.other_buyer, made.id, "别人的追评")
    later = services.follow_up(world.buyer, made.id, "  用了一周，还是很好  ")
    assert later.followup_text == "用了一周，还是很好" and later.followup_at >= later.created_at
    with pytest.raises(Conflict, match="只能追评一次"):
        services.follow_up(world.buyer, made.id, "再追一次")
    db.session.refresh(later)
    assert later.followup_text == "用了一周，还是很好"


def test_one_public_reply_by_the_shop(app, world):
    made = review(world, signed(app, world))
    for stranger in (world.other_merchant, world.buyer):
        with pytest.raises(NotFound):
            services.reply(stranger, made.id, "不是我的店")
    answered = services.reply(world.merchant, made.id, "谢谢惠顾")
    assert answered.reply_text == "谢谢惠顾" and answered.reply_at is not None
    with pytest.raises(Conflict, match="只能回复一次"):
        services.reply(world.merchant, made.id, "再回复")


# ---- reports, fold and unfold ------------------------------------------------------------------

@pytest.mark.postgres_every_case
@pytest.mark.parametrize("current", list(Visibility))
@pytest.mark.parametrize("action", list(ReviewAction))
def test_the_visibility_table(current, action):
    expected = {(Visibility.SHOWN, ReviewAction.FOLD): Visibility.FOLDED,
                (Visibility.FOLDED, ReviewAction.UNFOLD): Visibility.SHOWN}.get((current, action))
    assert move(current, action) is expected
    assert set(MOVES) == {(Visibility.SHOWN, ReviewAction.FOLD),
                          (Visibility.FOLDED, ReviewAction.UNFOLD)}


@pytest.mark.parametrize("current", list(Visibility))
@pytest.mark.parametrize("action", list(ReviewAction))
def test_fold_and_unfold_through_the_service(app, world, current, action):
    """Every visibility × action by the admin, through the service: moved as the table says,
    audited; refused with 409 where the table has no move, changing nothing."""
    made = review(world, signed(app, world))
    if current is Visibility.FOLDED:
        services.fold(world.admin, made.id, "abuse")
    audits = count(AuditLog, AuditLog.subject_type == "review", AuditLog.subject_id == made.id)
    act = {ReviewAction.FOLD: lambda: services.fold(world.admin, made.id, "ad"),
           ReviewAction.UNFOLD: lambda: services.unfold(world.admin, made.id)}[action]
    target = move(current, action)
    if target is None:
        with pytest.raises(Conflict):
            act()
        assert db.session.get(Review, made.id).visibility is current
        assert count(AuditLog, AuditLog.subject_id == made.id,
                     AuditLog.subject_type == "review") == audits
        return
    after = act()
    assert after.visibility is target
    assert (after.fold_reason, after.folded_at is not None) == (
        ("ad", True) if target is Visibility.FOLDED else ("", False))
    entry = db.session.scalars(select(AuditLog).where(
        AuditLog.subject_type == "review", AuditLog.subject_id == made.id)
        .order_by(AuditLog.id.desc())).first()
    assert (entry.actor_id, entry.action) == (
        world.admin.id, "review.folded" if action is ReviewAction.FOLD else "review.unfolded")


def test_reports_once_each_then_folded_and_still_there(app, world):
    made = review(world, signed(app, world), text="这家店的老板是骗子")
    services.report(world.other_buyer, made.id, "abuse", "人身攻击")
    with pytest.raises(Conflict, match="已经举报过"):
        services.report(world.other_buyer, made.id, "ad", "")
    services.report(world.other_merchant, made.id, "false", "")
    db.session.refresh(made)
    assert made.open_reports == 2 and made.reported_at is not None
    assert made.id in [s.review.id for s in queries.queue("reported")[0]]
    services.fold(world.admin, made.id, "abuse")
    folded = db.session.get(Review, made.id)
    assert (folded.visibility, folded.open_reports, folded.reported_at) == (
        Visibility.FOLDED, 0, None)
    assert {r.outcome for r in db.session.scalars(select(ReviewReport).where(
        ReviewReport.review_id == made.id))} == {"folded"}
    entry = db.session.scalars(select(AuditLog).where(AuditLog.subject_id == made.id,
                                                      AuditLog.action == "review.folded")).one()
    assert entry.detail == {"reason": "abuse", "reports": 2}
    # Folded, never gone: on the shop's list, in the folded queue, text and all.
    listed = {s.review.id: s.review for s in queries.shop_page(world.shop.id)[0]}
    assert listed[made.id].text == "这家店的老板是骗子" and listed[made.id].folded
    assert made.id in [s.review.id for s in queries.queue("folded")[0]]
    assert made.id not in [s.review.id for s in queries.queue("reported")[0]]
    with pytest.raises(Conflict, match="已被折叠"):
        services.report(world.buyer, made.id, "ad", "")


def test_reports_dismissed_leave_the_review_shown(app, world):
    made = review(world, signed(app, world))
    services.report(world.other_buyer, made.id, "other", "")
    services.dismiss(world.admin, made.id)
    kept = db.session.get(Review, made.id)
    assert (kept.visibility, kept.open_reports, kept.reported_at) == (Visibility.SHOWN, 0, None)
    assert db.session.scalars(select(ReviewReport.outcome).where(
        ReviewReport.review_id == made.id)).all() == ["dismissed"]
    assert count(AuditLog, AuditLog.subject_id == made.id,
                 AuditLog.action == "review.reports_dismissed") == 1
    with pytest.raises(Conflict, match="已经处理过"):
        services.dismiss(world.admin, made.id)


# ---- the badge ------------------------------------------------------------------------------

@pytest.mark.parametrize("tampered", [False, True])
def test_the_badge_is_shown_exactly_when_the_proof_verifies(app, world, client, tampered):
    order = signed(app, world, Status.PARTIALLY_REFUSED)
    made = review(world, order, text=f"徽章 {order.id}")
    if tampered:
        tamper(order)
    shown = {s.review.id: s.verified for s in queries.shop_page(world.shop.id)[0]}
    assert shown[made.id] is (not tampered)
    page = client.get(f"/reviews/shops/{world.shop.handle}").text
    card = page[page.index(f'id="review-{made.id}"'):]
    card = card[:card.index("</li>")]
    assert ("✔ 验货签收" in card) is (not tampered)
