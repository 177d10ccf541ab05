"""The admin's review of shops' payment accounts (issue 18): the queue of submitted ones, oldest
first, and a decision on each, as shown (webapp/payments/shop_accounts.py)."""
from flask import flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import paging
from webapp.admin import bp
from webapp.models import Role
from webapp.payments import shop_accounts
from webapp.payments.forms import ReviewAccountForm
from webapp.payments.state import CHANNEL_LABELS, AccountEvent
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment


@bp.get("/payment-accounts")
@role_required(Role.ADMIN)
def payment_accounts():
    """The submitted payment accounts, oldest first, a page at a time (`?after=`); a "more" row
    fetches the next page's rows only."""
    after = paging.cursor_of(shop_accounts.QUEUE_KEY)
    ctx = {"accounts": shop_accounts.review_queue(after)}
    if after is not None and wants_fragment():
        return render("admin/payment_accounts.html", "admin/_payment_account_rows.html", **ctx)
    return render("admin/payment_accounts.html", count=shop_accounts.submitted_count(), **ctx)


def _decide(account_id: int, event: AccountEvent):
    form = ReviewAccountForm()
    if not form.validate_on_submit():
        raise ServiceError(form.note.errors[0] if form.note.errors
                           else _("审核表单已过期，请刷新列表后再审核。"), 422)
    account = shop_accounts.decide(account_id, current_user, form.revision.data, event,
                                   form.note.data or "")
    names = {"shop": account.shop.name, "channel": _(CHANNEL_LABELS[str(account.channel)])}
    message = (_("已通过：%(shop)s 的%(channel)s收款账户，买家现在可以在线付款。", **names)
               if event is AccountEvent.APPROVED else
               _("已驳回：%(shop)s 的%(channel)s收款账户，商家会看到说明。", **names))
    if not wants_fragment():
        flash(message, "success")
        return redirect_to(url_for("admin.payment_accounts"))
    return render("admin/payment_accounts.html", "admin/_payment_account_decided.html",
                  account=account, message=message)


@bp.post("/payment-accounts/<int:account_id>/approve")
@role_required(Role.ADMIN)
def approve_account(account_id: int):
    """Approve a shop's payment account: buyers may pay the shop online through it."""
    return _decide(account_id, AccountEvent.APPROVED)


@bp.post("/payment-accounts/<int:account_id>/reject")
@role_required(Role.ADMIN)
def reject_account(account_id: int):
    """Reject a shop's payment account with a note its merchant sees."""
    return _decide(account_id, AccountEvent.REJECTED)
